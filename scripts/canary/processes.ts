/**
 * Child processes of a canary run (the two portal builds, HAProxy, Prometheus): each logs to its own file in the
 * run's directory (a long run under load writes megabytes; nothing is kept in memory), is registered so that one
 * `stopAll()` ends every one of them, by its own pid, whatever happened — also on SIGINT/SIGTERM of the run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';

export interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
  /** The last `bytes` of its log, for error messages. */
  tail(bytes?: number): string;
  /** Sends `signal`, then SIGKILL after `graceMs` if it is still running; resolves once it has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const live = new Set<Proc>();

export function startProcess(name: string, cmd: string, args: string[], opts: { cwd: string; env: Record<string, string>; logFile: string }): Proc {
  const fd = openSync(opts.logFile, 'a');
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      live.delete(proc);
      resolve({ code, signal });
    });
    child.once('error', () => {
      done = true;
      live.delete(proc);
      resolve({ code: null, signal: null });
    });
  });
  const proc: Proc = {
    name,
    child,
    logFile: opts.logFile,
    exited,
    running: () => !done,
    tail: (bytes = 2000) => {
      try {
        return readFileSync(opts.logFile, 'utf8').slice(-bytes);
      } catch {
        return '';
      }
    },
    stop: async (signal = 'SIGTERM', graceMs = 15_000) => {
      if (done) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(proc);
  return proc;
}

/** Stops every process still running (SIGTERM, SIGKILL after the grace). */
export async function stopAll(graceMs = 15_000): Promise<void> {
  await Promise.all([...live].map((p) => p.stop('SIGTERM', graceMs)));
}

/** Polls `check` every `everyMs` until it returns true, the process dies, or `timeoutMs` passes. */
export async function waitUntil(what: string, check: () => Promise<boolean>, opts: { timeoutMs: number; everyMs?: number; proc?: Proc }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.proc && !opts.proc.running()) throw new Error(`${opts.proc.name} exited while waiting for ${what}:\n${opts.proc.tail()}`);
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${opts.proc ? `:\n${opts.proc.tail()}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 100));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
