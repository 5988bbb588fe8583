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
import { REPO_ROOT, type Exit } from '../../scripts/bench/portal-process.js';

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
      let p: ProcInfo | undefined = top;
      // Down the tree until the process running the entry point (a watcher runs it as its child).
      while (p && !p.cmdline.endsWith(entry)) {
        const parent: ProcInfo = p;
        p = all.find((c) => c.ppid === parent.pid && c.state !== 'Z');
      }
      if (!p) throw new Error(`npm run ${script}: no process running ${entry} under ${JSON.stringify(top)}`);
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
