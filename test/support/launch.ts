/**
 * The npm scripts as an operator runs them: `npm run <script>` started in its own session and process group (as
 * `setsid` or a terminal would), so a test can signal npm itself, the process the script created, or the whole
 * group (Ctrl-C in a terminal, systemd's default KillMode), and then check that nothing of the group is left.
 *
 * Processes are found through /proc (Linux): children by parent pid, group members by process group id.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ACME_KEY, freePort, productionEnv, REPO_ROOT, type Exit } from '../../scripts/bench/portal-process.js';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  /** R, S, D, Z (zombie), T… */
  state: string;
  cmdline: string;
}

/** Every process visible in /proc right now. */
export function processes(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      out.push({ pid: Number(entry), state: rest[0]!, ppid: Number(rest[1]), pgrp: Number(rest[2]), cmdline });
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/** Live (not zombie) processes of a process group. */
export function groupMembers(pgid: number): ProcInfo[] {
  return processes().filter((p) => p.pgrp === pgid && p.state !== 'Z');
}

export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export type SignalTarget = 'npm' | 'script' | 'group';

export interface NpmLaunch {
  script: string;
  /** npm's pid; it leads its own session and process group, so this is the group id too. */
  pid: number;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** npm's own exit. */
  exited: Promise<Exit>;
  /** The process the npm script created (npm's child): the server, or `node --watch` for `npm run dev`. */
  scriptProcess(): ProcInfo;
  /** The process running `entry` (the script's process itself, or the child a watcher runs). */
  serverProcess(entry: string): ProcInfo;
  signal(target: SignalTarget, signal: NodeJS.Signals): number;
  /** SIGKILLs whatever of the group is still running (test clean-up). */
  killGroup(): void;
}

/**
 * Runs `npm run <script>` in `cwd` (default: the repository root) in a new session (detached: setsid), with
 * exactly `env` besides PATH (this Node's directory first, as scripts/node-env.sh sets it) and HOME.
 */
export function launchNpm(script: string, env: Record<string, string>, cwd = REPO_ROOT): NpmLaunch {
  const child = spawn('npm', ['run', script], {
    cwd,
    detached: true,
    env: {
      PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: process.env.HOME ?? '/tmp',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`npm run ${script} did not start`);
  const pid = child.pid;
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));

  const scriptProcess = (): ProcInfo => {
    const kids = processes().filter((p) => p.ppid === pid && p.state !== 'Z');
    if (kids.length !== 1) throw new Error(`npm run ${script}: expected one child of npm, found ${JSON.stringify(kids)}`);
    return kids[0]!;
  };
  return {
    script,
    pid,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    scriptProcess,
    serverProcess(entry) {
      const top = scriptProcess();
      const all = processes();
      const childOf = (parent: ProcInfo) => all.find((c) => c.ppid === parent.pid && c.state !== 'Z' && c.cmdline.endsWith(entry));
      // Down the tree to the last process running the entry point: a watcher (`node --watch … src/server.ts`)
      // names the entry too, and runs the server as its child.
      let p: ProcInfo | undefined = top.cmdline.endsWith(entry) ? top : childOf(top);
      if (!p) throw new Error(`npm run ${script}: no process running ${entry} under ${JSON.stringify(top)}`);
      for (let next = childOf(p); next; next = childOf(p)) p = next;
      return p;
    },
    signal(target, signal) {
      const to = target === 'npm' ? pid : target === 'script' ? scriptProcess().pid : -pid;
      process.kill(to, signal);
      return to;
    },
    killGroup() {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Nothing left.
      }
    },
  };
}

/** Polls `check` every 25 ms until it holds or `ms` pass. */
export async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

// ---- Our npm scripts, started ready to serve ----

export const DRAIN_MS = 500;
export const SHUTDOWN_TIMEOUT_MS = 10_000;
export const BACKEND_SECRET = 'launch-test-backend-secret-0123456789abcdef';
const RAISED_LIMITS = { PORTAL_RATE_LIMIT_PER_MINUTE: '1000000', PORTAL_FILES_RATE_LIMIT_PER_MINUTE: '1000000', PORTAL_PUBLIC_RATE_LIMIT_PER_MINUTE: '1000000' };

export interface Service {
  /** The npm script. */
  script: 'start' | 'start:prod' | 'dev' | 'backend';
  /** The entry point the server process runs (its command line ends with it). */
  entry: string;
  kind: 'portal' | 'backend';
  /** Where npm runs (default: the repository root). */
  cwd?: string;
}

export const SERVICES = {
  start: { script: 'start', entry: 'src/server.ts', kind: 'portal' },
  prod: { script: 'start:prod', entry: 'dist/src/server.js', kind: 'portal' },
  dev: { script: 'dev', entry: 'src/server.ts', kind: 'portal' },
  backend: { script: 'backend', entry: 'src/backend-service/main.ts', kind: 'backend' },
} as const satisfies Record<string, Service>;

export interface Running {
  launch: NpmLaunch;
  /** The service's base URL (the portal's public listener, or the backend service). */
  url: string;
  /** Where the load goes, with the headers it needs. */
  loadUrl: string;
  headers: Record<string, string>;
}

/**
 * Starts `npm run <script>` on free ports over `dataDir` (seeded), in production mode with a short drain, and
 * waits until it serves. `extra` overrides the environment (e.g. PORTAL_BACKEND_PORT to restart on the same port).
 */
export async function startService(service: Service, dataDir: string, extra: Record<string, string> = {}): Promise<Running> {
  const env = productionEnv(await freePort(), await freePort(), {
    PORTAL_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    PORTAL_SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
    PORTAL_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    PORTAL_BACKEND_PORT: String(await freePort()),
    PORTAL_BACKEND_SECRET: BACKEND_SECRET,
    ...RAISED_LIMITS,
    ...extra,
  });
  const { PORT: port, PORTAL_ADMIN_PORT: adminPort, PORTAL_BACKEND_PORT: backendPort } = env;
  const launch = launchNpm(service.script, env, service.cwd);
  const ready: { url: string; headers: Record<string, string> } =
    service.kind === 'portal'
      ? { url: `http://127.0.0.1:${adminPort}/readyz`, headers: {} }
      : { url: `http://127.0.0.1:${backendPort}/rpc/v1/ping`, headers: { Authorization: `Bearer ${BACKEND_SECRET}` } };
  let ended = false;
  void launch.exited.then(() => (ended = true));
  const up = await until(async () => {
    if (ended) return true;
    try {
      const res = await fetch(ready.url, { headers: ready.headers, signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.status === 200;
    } catch {
      return false;
    }
  }, 60_000);
  if (ended || !up) {
    launch.killGroup();
    throw new Error(`npm run ${service.script} did not become ready:\n${launch.stderr()}\n${launch.stdout().slice(-3000)}`);
  }
  return service.kind === 'portal'
    ? { launch, url: `http://127.0.0.1:${port}`, loadUrl: `http://127.0.0.1:${port}/v1/contacts?limit=5`, headers: { Authorization: `Bearer ${ACME_KEY}` } }
    : {
        launch,
        url: `http://127.0.0.1:${backendPort}`,
        loadUrl: `http://127.0.0.1:${backendPort}/rpc/v1/tenants/ten_acme/contacts?limit=5`,
        headers: { Authorization: `Bearer ${BACKEND_SECRET}` },
      };
}

