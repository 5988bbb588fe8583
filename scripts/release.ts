/**
 * `npm run release -- <version>`: releases the contract as it is in openapi/openapi.yaml.
 * 1. Diffs it against the newest released baseline (openapi/released/v<version>.yaml) with Optic
 *    (scripts/lib/contract-diff.ts) and refuses a version whose semver step is lower than the change needs
 *    (breaking → major, additive or a deprecation → minor, documentation → patch), one that is not the next version
 *    at its level (1.0.0 → 1.1.0, not 1.2.0), and a release of nothing.
 * 2. Sets `info.version`, regenerates generated/ (the SDK's package version is `info.version`), stores the new
 *    baseline openapi/released/v<version>.yaml and prepends the changelog section to CHANGELOG.md.
 * 3. Sets the server's own version (package.json and package-lock.json, when the checkout has them): the version
 *    /v1/health, `portal_build_info` and the traces report is the contract's it serves.
 * It commits nothing: review `git diff`, run the checks, commit.
 */
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LEVEL_RANK, baselines, diffContract, nextVersion, parseVersion, renderChangelog, stepLevel, type ContractDiff } from './lib/contract-diff.js';
import { ROOT } from './lib/spec.js';

export interface ReleaseOptions {
  /** The checkout to release in (tests use a copy): openapi/openapi.yaml, openapi/released/, CHANGELOG.md, generated/. */
  root?: string;
  /** Regenerate generated/ after the version bump (default true). */
  generate?: boolean;
  /** The release date (default today, UTC). */
  date?: string;
}

export interface ReleaseResult {
  version: string;
  diff: ContractDiff;
  baseline: string;
  changelog: string;
}

export class ReleaseRefused extends Error {
  override name = 'ReleaseRefused';
}

/** Sets `info.version` in the YAML text, keeping every other byte (comments, layout). */
export function withInfoVersion(yamlText: string, version: string): string {
  const lines = yamlText.split('\n');
  const info = lines.findIndex((l) => /^info:\s*$/.test(l));
  for (let i = info + 1; info !== -1 && i < lines.length && (lines[i] === '' || /^\s/.test(lines[i]!)); i++) {
    const m = /^( +)version:\s*\S+\s*$/.exec(lines[i]!);
    if (m && m[1]!.length === /^( *)/.exec(lines[info + 1]!)![1]!.length) {
      lines[i] = `${m[1]}version: ${version}`;
      return lines.join('\n');
    }
  }
  throw new Error('openapi.yaml: no info.version line found');
}

/** Sets the top-level `version` of a package.json or package-lock.json (and the lock's root package), keeping the rest. */
export function setPackageVersion(file: string, version: string): void {
  if (!existsSync(file)) return;
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: string; packages?: Record<string, { version?: string }> };
  pkg.version = version;
  if (pkg.packages?.['']) pkg.packages[''].version = version;
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
}

/** Throws ReleaseRefused unless `to` is the next version after `from` at a level at least the change's. */
export function assertReleasable(diff: ContractDiff, from: string, to: string): void {
  parseVersion(to);
  if (diff.level === 'none') throw new ReleaseRefused(`nothing to release: openapi/openapi.yaml is the same contract as ${from}`);
  const step = stepLevel(from, to);
  if (!step) {
    throw new ReleaseRefused(`${to} is not a next version of ${from}: the next major is ${nextVersion(from, 'major')}, minor ${nextVersion(from, 'minor')}, patch ${nextVersion(from, 'patch')}`);
  }
  if (LEVEL_RANK[step] < LEVEL_RANK[diff.level]) {
    const why = diff.level === 'major' ? `it breaks ${from} (${[...new Set(diff.operations.flatMap((o) => o.breaking))].slice(0, 3).join('; ')})` : 'it adds to or deprecates part of the contract';
    throw new ReleaseRefused(`${to} is a ${step} release, but the change needs a ${diff.level} one: ${why}. Release ${nextVersion(from, diff.level as 'major' | 'minor' | 'patch')}.`);
  }
}

export async function release(version: string, opts: ReleaseOptions = {}): Promise<ReleaseResult> {
  const root = opts.root ?? ROOT;
  const specFile = path.join(root, 'openapi/openapi.yaml');
  const releasedDir = path.join(root, 'openapi/released');
  parseVersion(version);
  const newest = baselines(releasedDir).at(-1);
  if (!newest) throw new ReleaseRefused(`no released baseline (v<MAJOR.MINOR.PATCH>.yaml) in ${path.relative(root, releasedDir)}`);

  const diff = diffContract(newest.file, specFile);
  assertReleasable(diff, newest.version, version);

  writeFileSync(specFile, withInfoVersion(readFileSync(specFile, 'utf8'), version));
  for (const file of ['package.json', 'package-lock.json']) setPackageVersion(path.join(root, file), version);
  if (opts.generate !== false) {
    const { generateAll } = await import('./generate.js');
    const out = path.join(root, 'generated');
    rmSync(out, { recursive: true, force: true });
    await generateAll(out, { specPath: specFile });
  }
  const baseline = path.join(releasedDir, `v${version}.yaml`);
  copyFileSync(specFile, baseline);

  const date = opts.date ?? new Date().toISOString().slice(0, 10);
  const section = renderChangelog({ ...diff, headVersion: version }, { version, date, baseline: path.relative(root, newest.file) });
  const changelogFile = path.join(root, 'CHANGELOG.md');
  const header = '# Changelog of the Portal API contract\n\nWritten by `npm run release` from Optic\'s diff of each release against the one before (newest first).\n\n';
  const previous = existsSync(changelogFile) ? readFileSync(changelogFile, 'utf8').replace(header, '') : '';
  writeFileSync(changelogFile, `${header}${section}\n${previous ? `\n${previous}` : ''}`);
  return { version, diff, baseline, changelog: section };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const version = process.argv[2];
  if (!version) {
    console.error('usage: npm run release -- <MAJOR.MINOR.PATCH>   (see `npm run changelog` for what changed and the level it needs)');
    process.exit(2);
  }
  try {
    const r = await release(version);
    console.log(r.changelog);
    console.log(`released ${version} (${r.diff.level}): info.version, package.json, generated/ (SDK ${version}), ${path.relative(ROOT, r.baseline)}, CHANGELOG.md. Review, run the checks, commit.`);
  } catch (err) {
    console.error(`release refused: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
