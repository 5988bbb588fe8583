/**
 * Runs the real server (`node --import tsx src/server.ts`) as a child process, for the ops tests, the benchmark,
 * the soak run and the two-replica demo: free ports, a seeded data dir, waiting until /readyz answers, and a
 * stop that reports how the process ended. Output is kept in memory so callers can assert on log lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ACME_KEY = 'pk_demo_acme_3kV8qZ1xW5nR7tY2uP4sL9mB6cD0fG';
export const GLOBEX_KEY = 'pk_demo_globex_7hJ2kL5mN8pQ1rS4tU6vW9xY3zA0bC';
/** A syntactically valid production key for local runs only (the tests and benchmarks are not deployments). */
export const LOCAL_SIGNING_KEYS = 'ops1:local-ops-signing-secret-0123456789abcdef';

const handedOut = new Set<number>();

/** A port free right now and not handed out before by this process (callers often ask for two in a row). */
export async function freePort(): Promise<number> {
  for (;;) {
    const srv = createServer();
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const { port } = srv.address() as { port: number };
    await new Promise<void>((resolve) => srv.close(() => resolve()));
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface PortalProcess {
  url: string;
  adminUrl: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited (and its output streams are drained). */
  exited: Promise<Exit>;
  /** Sends `signal` (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

export interface StartOptions {
  /** The whole environment of the child besides PATH/HOME (nothing else leaks in from the caller). */
  env: Record<string, string>;
  nodeArgs?: string[];
  /** How long to wait for /readyz → 200. */
  readyTimeoutMs?: number;
  /** Don't wait for readiness (e.g. the process is expected to fail at start). */
  noWait?: boolean;
  /** Send stdout to /dev/null instead of keeping it (long benchmark runs log megabytes). */
  discardStdout?: boolean;
  /** Script to run instead of src/server.ts (relative to the repository root). */
  entry?: string;
  /** Another Node.js runtime than this process's (scripts/bench/runtimes.ts). */
  runtime?: { node: string; nodeArgs: string[] };
}

/** Production settings for a local run: callers add PORTAL_DATA_DIR / DATABASE_URL and overrides. */
export function productionEnv(port: number, adminPort: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PORTAL_ADMIN_PORT: String(adminPort),
    PORTAL_PUBLIC_URL: `http://127.0.0.1:${port}`,
    PORTAL_SIGNING_KEYS: LOCAL_SIGNING_KEYS,
    PORTAL_SEED_DEMO: 'false',
    ...extra,
  };
}

export function spawnPortal(opts: StartOptions): PortalProcess {
  const runtimeArgs = opts.runtime?.nodeArgs ?? [];
  const child = spawn(opts.runtime?.node ?? process.execPath, [...runtimeArgs, '--import', 'tsx', ...(opts.nodeArgs ?? []), opts.entry ?? 'src/server.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...opts.env },
    stdio: ['ignore', opts.discardStdout ? 'ignore' : 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const port = opts.env.PORT ?? '3000';
  const adminPort = opts.env.PORTAL_ADMIN_PORT ?? '9464';
  return {
    url: `http://127.0.0.1:${port}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function startPortal(opts: StartOptions): Promise<PortalProcess> {
  const p = spawnPortal(opts);
  if (opts.noWait) return p;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  let ended = false;
  void p.exited.then(() => (ended = true));
  const probe = opts.entry ? p.url : `${p.adminUrl}/readyz`;
  for (;;) {
    if (ended) throw new Error(`portal exited during start:\n${p.stderr()}\n${p.stdout().slice(-2000)}`);
    try {
      const res = await fetch(probe, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200 || (opts.entry && res.status === 404)) return p;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await p.stop('SIGKILL');
      throw new Error(`portal not ready within ${opts.readyTimeoutMs ?? 60_000} ms:\n${p.stderr()}\n${p.stdout().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Parses the JSON log lines of a process's stdout (non-JSON lines are skipped). */
export function logRecords(stdout: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A torn line would show up as a missing record in the caller's assertions.
    }
  }
  return out;
}
