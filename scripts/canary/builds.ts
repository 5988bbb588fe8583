/**
 * What "a build" is for `npm run canary`: code + a label + settings.
 *
 *   - `git:<ref>` (a branch, tag or commit of this repository): checked out into a temporary worktree and run from
 *     source (`node --import tsx src/server.ts`). Its node_modules is this checkout's when the two package-lock.json
 *     files are identical, else `npm ci` installs its own.
 *   - a directory: an installed checkout of the project (package.json, node_modules), run from source when it has
 *     src/server.ts, or compiled (`node dist/src/server.js`, what the container image runs) when it only has
 *     dist/ — the layout of the Dockerfile's runtime stage (package.json, dist/, generated/, openapi/,
 *     node_modules).
 *
 * The label (default: the ref or directory and its commit) becomes PORTAL_REVISION, so it shows in
 * `portal_build_info{revision}`; the settings (`--stable-env` / `--canary-env KEY=VALUE`) are added to the
 * environment the run gives both builds (see rollout.ts), after it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../bench/portal-process.js';
import type { Track } from '../../ops/canary.js';

export interface BuildSpec {
  /** `git:<ref>` or a directory. */
  source: string;
  label?: string;
  /** Settings of this build (added after the run's own environment). */
  env?: Record<string, string>;
}

export interface Build {
  track: Track;
  label: string;
  /** How it was obtained and how it runs, for the report. */
  describe: string;
  root: string;
  /** Runs `dist/src/server.js` with plain node (else `src/server.ts` through tsx). */
  compiled: boolean;
  env: Record<string, string>;
  cleanup(): void;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

function shortCommit(dir: string): string | undefined {
  try {
    const sha = git(dir, 'rev-parse', '--short', 'HEAD');
    const dirty = git(dir, 'status', '--porcelain', '--untracked-files=no') !== '';
    return dirty ? `${sha}+changes` : sha;
  } catch {
    return undefined;
  }
}

function packageVersion(dir: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Resolves a spec to a runnable build; git refs are checked out under `workDir`. */
export function prepareBuild(track: Track, spec: BuildSpec, workDir: string, log: (s: string) => void): Build {
  if (spec.source.startsWith('git:')) {
    const ref = spec.source.slice(4);
    let sha: string;
    try {
      sha = git(REPO_ROOT, 'rev-parse', '--verify', `${ref}^{commit}`);
    } catch {
      throw new Error(`${track}: "${ref}" is not a commit of this repository (git:<branch|tag|commit>)`);
    }
    const root = path.join(workDir, `build-${track}`);
    git(REPO_ROOT, 'worktree', 'add', '--detach', root, sha);
    const cleanup = () => {
      try {
        git(REPO_ROOT, 'worktree', 'remove', '--force', root);
      } catch {
        // already gone
      }
    };
    try {
      const sameLock = readFileSync(path.join(root, 'package-lock.json'), 'utf8') === readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8');
      if (sameLock) {
        symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
      } else {
        log(`${track}: ${ref} has other dependencies than this checkout: npm ci in ${root}`);
        execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
      }
    } catch (err) {
      cleanup();
      throw err;
    }
    const label = spec.label ?? `${ref}@${sha.slice(0, 7)}`;
    return { track, label, describe: `git ${ref} (${sha.slice(0, 12)}), from source`, root, compiled: false, env: spec.env ?? {}, cleanup };
  }

  const root = path.resolve(spec.source);
  if (!existsSync(path.join(root, 'package.json'))) throw new Error(`${track}: ${root} is not a build of the project (no package.json); use a directory or git:<ref>`);
  if (!existsSync(path.join(root, 'node_modules'))) throw new Error(`${track}: ${root} has no node_modules (run npm ci there)`);
  const fromSource = existsSync(path.join(root, 'src/server.ts'));
  if (!fromSource && !existsSync(path.join(root, 'dist/src/server.js'))) throw new Error(`${track}: ${root} has neither src/server.ts nor dist/src/server.js`);
  const commit = shortCommit(root);
  const label = spec.label ?? `${path.basename(root)}@${commit ?? packageVersion(root)}`;
  return {
    track,
    label,
    describe: `${root}${commit ? ` (${commit})` : ''}, ${fromSource ? 'from source' : 'compiled dist/'}`,
    root,
    compiled: !fromSource,
    env: spec.env ?? {},
    cleanup: () => {},
  };
}

/** `KEY=VALUE` → [key, value]; refuses anything else. */
export function parseSetting(s: string): [string, string] {
  const i = s.indexOf('=');
  if (i < 1 || !/^[A-Z][A-Z0-9_]*$/.test(s.slice(0, i))) throw new Error(`expected KEY=VALUE, got ${JSON.stringify(s)}`);
  return [s.slice(0, i), s.slice(i + 1)];
}

/** The test-only faults a rehearsal can give the canary (src/http/test-faults.ts); the switch goes with them. */
export const FAULTS = {
  errors: { PORTAL_TEST_FAULTS: 'enabled', PORTAL_TEST_FAULT_ERROR_RATE: '0.05' },
  latency: { PORTAL_TEST_FAULTS: 'enabled', PORTAL_TEST_FAULT_DELAY_MS: '300' },
} as const;
export type Fault = keyof typeof FAULTS;
