/**
 * Node.js runtimes for the benchmark's side-by-side section: the official build of each major, installed from
 * the npm registry by scripts/node-env.sh (the same command the README gives), so the same code is measured on
 * each runtime in one run.
 *
 * better-sqlite3 13 (the project's) needs Node ≥ 22. For an older major the benchmark builds better-sqlite3 12
 * against that runtime's headers once (cached beside the runtime) and points the import at it with a module
 * resolve hook (node:module `register`): the code under test is otherwise the same. That older runtime is
 * measured, not supported (package.json `engines`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './portal-process.js';

export interface Runtime {
  major: number;
  /** `v24.22.3` */
  version: string;
  /** Absolute path of the node binary. */
  node: string;
  /** Flags the server needs on this runtime besides `--import tsx` (the legacy SQLite binding's hook). */
  nodeArgs: string[];
}

/** The oldest major the project's own better-sqlite3 loads on. */
const SQLITE_MIN_MAJOR = 22;
const LEGACY_SQLITE = 'better-sqlite3@12.11.1';

function nodeEnv(major: number): { node: string; env: NodeJS.ProcessEnv } {
  const out = execFileSync('bash', [path.join(REPO_ROOT, 'scripts/node-env.sh'), String(major)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const vars = Object.fromEntries(
    out
      .split('\n')
      .map((line) => /^export (\w+)=(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      // node-env prints `printf %q` values: plain paths with no characters to unquote.
      .map((m) => [m[1]!, m[2]!]),
  );
  if (!vars.PATH || !vars.npm_config_nodedir) throw new Error(`scripts/node-env.sh ${major} printed no PATH/npm_config_nodedir`);
  return { node: path.join(vars.npm_config_nodedir, 'bin/node'), env: { ...process.env, PATH: vars.PATH, npm_config_nodedir: vars.npm_config_nodedir } };
}

/** better-sqlite3 12 built for this runtime (once), and a resolve hook that serves it for `better-sqlite3`. */
function legacySqliteHook(major: number, node: string, env: NodeJS.ProcessEnv): string {
  const dir = path.join(path.dirname(env.npm_config_nodedir!), '..', `bench-${LEGACY_SQLITE.replace('@', '-')}`);
  const entry = path.join(dir, 'node_modules/better-sqlite3/lib/index.js');
  if (!existsSync(path.join(dir, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))) {
    process.stdout.write(`building ${LEGACY_SQLITE} for Node ${major} in ${dir}\n`);
    mkdirSync(dir, { recursive: true });
    execFileSync('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', LEGACY_SQLITE], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  }
  const hook = path.join(dir, 'resolve-hook.mjs');
  const resolver = `export async function resolve(specifier, context, next) {
  return next(specifier === 'better-sqlite3' ? ${JSON.stringify(pathToFileURL(entry).href)} : specifier, context);
}`;
  writeFileSync(hook, `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(resolver)}`)});\n`);
  // The hook must really serve a binding that opens a database on this runtime (the project's would crash it).
  const probe = "const { default: Database } = await import('better-sqlite3'); new Database(':memory:').prepare('select 1').get();";
  execFileSync(node, ['--import', hook, '--input-type=module', '-e', probe], { cwd: REPO_ROOT, env, stdio: 'inherit' });
  return hook;
}

export function prepareRuntime(major: number): Runtime {
  const { node, env } = nodeEnv(major);
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const nodeArgs = major < SQLITE_MIN_MAJOR ? ['--import', legacySqliteHook(major, node, env)] : [];
  return { major, version, node, nodeArgs };
}
