/**
 * Stopping the real npm scripts under load (issue 14 and 21): `npm run <script>` in its own process group, eight
 * keep-alive clients sending requests back to back, then SIGTERM or SIGINT to npm, to the process the script
 * created, or to the whole group. Each case must end with no failed request among those the server accepted, npm
 * and the server exiting 0 within the shutdown deadline, the drain in the log, and nothing of the group left.
 */
import { expect } from 'vitest';
import { logRecords, type Exit } from '../../scripts/bench/portal-process.js';
import { groupMembers, processes, SHUTDOWN_TIMEOUT_MS, startService, until, type NpmLaunch, type Running, type Service, type SignalTarget } from '../support/launch.js';
import { newOutcome, runClient, type Outcome } from './load-client.js';

export { SERVICES, type Service } from '../support/launch.js';

export const CLIENTS = 8;

export interface Load {
  outcome: Outcome;
  /** Resolves when every client has stopped (after npm exited or the listener refused them). */
  done: Promise<void>;
}

export function startLoad(running: Running, exited: () => boolean): Load {
  const outcome = newOutcome();
  const clients = Array.from({ length: CLIENTS }, () => runClient(running.loadUrl, running.headers, outcome, exited));
  return { outcome, done: Promise.all(clients).then(() => undefined) };
}

/** npm's exit, or a failure after `ms` (the test must not hang on a process that never exits). */
export async function exitWithin(launch: NpmLaunch, ms: number): Promise<Exit | 'still running'> {
  return Promise.race([launch.exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms))]);
}

/** Nothing of the group may outlive npm (an orphaned server would keep the port and never drain). */
export async function expectGroupGone(launch: NpmLaunch): Promise<void> {
  // npm reaps its child before it exits itself; a short poll covers /proc catching up.
  await until(() => groupMembers(launch.pid).length === 0, 300);
  expect(groupMembers(launch.pid)).toEqual([]);
}

/** One case: `signal` to `target` under load from eight keep-alive clients; every promise of the drain holds. */
export async function stopUnderLoad(service: Service, dataDir: string, target: SignalTarget, signal: NodeJS.Signals): Promise<void> {
  const running = await startService(service, dataDir);
  const { launch } = running;
  try {
    // npm starts the server itself (the script `exec`s node): no shell or supervising launcher in between.
    const scriptProcess = launch.scriptProcess();
    expect(scriptProcess.cmdline).toMatch(/^\S*node /);
    const server = launch.serverProcess(service.entry);
    // …and the server supervises nothing either (tsx's CLI, for one, would run it as a child and SIGKILL it). The
    // one child it may have is the esbuild service that tsx's loader starts to compile TypeScript when its cache is
    // cold (a clean clone): a helper that ends with its parent, not a process between a signal and the server.
    const esbuildService = (p: { cmdline: string }) => /\/esbuild --service=/.test(p.cmdline);
    expect(processes().filter((p) => p.ppid === server.pid && p.state !== 'Z' && !esbuildService(p))).toEqual([]);
    // Only a watcher (`npm run dev`) stands between npm and the server.
    if (service.script !== 'dev') expect(server.pid).toBe(scriptProcess.pid);

    let exited = false;
    void launch.exited.then(() => (exited = true));
    const load = startLoad(running, () => exited);
    expect(await until(() => load.outcome.responses >= 10 * CLIENTS, 20_000)).toBe(true);

    const beforeSignal = load.outcome.responses;
    const signalledAt = Date.now();
    launch.signal(target, signal);

    const exit = await exitWithin(launch, SHUTDOWN_TIMEOUT_MS + 5000);
    const elapsed = Date.now() - signalledAt;
    await load.done;
    const diagnostics = `${launch.stderr()}\n${launch.stdout().slice(-3000)}`;

    expect(exit, diagnostics).toEqual({ code: 0, signal: null });
    expect(elapsed).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    await expectGroupGone(launch);

    const { outcome } = load;
    expect(outcome.failures).toEqual([]);
    expect(outcome.notAccepted).toBe(0);
    expect(Object.keys(outcome.byStatus)).toEqual(['200']);
    // Once the listener stops, each client is told to close and then finds the port shut.
    expect(outcome.refused).toBe(CLIENTS);

    const records = logRecords(launch.stdout());
    const messages = records.map((r) => r.msg);
    expect(messages.filter((m) => m === 'shutting down: readiness off, draining')).toHaveLength(1);
    expect(messages.at(-1), diagnostics).toBe(service.kind === 'portal' ? 'shutdown complete' : 'backend service shutdown complete');
    expect(messages).not.toContain('second stop signal: exiting now without finishing the drain');
    // (For the group, the signal and the launcher's relay reach the server in the same instant; the kernel may merge
    // them into one delivery, or the server logs "signal repeated while draining" and goes on: either way one drain.)
    // The server went on answering through the drain delay (a load balancer is still taking it out of rotation).
    expect(outcome.responses).toBeGreaterThan(beforeSignal);
    if (service.kind === 'portal') {
      const drainStarted = messages.indexOf('shutting down: readiness off, draining');
      expect(records.slice(drainStarted).filter((r) => r.msg === 'request').length).toBeGreaterThan(0);
      // Every request the server accepted (it logs each when its response closes) reached its client whole.
      const accepted = records.filter((r) => r.msg === 'request' && r.route === '/v1/contacts');
      expect(accepted.length).toBe(outcome.responses);
      expect(accepted.every((r) => r.status === 200)).toBe(true);
    }
  } finally {
    launch.killGroup();
  }
}

export const CASES: [SignalTarget, NodeJS.Signals][] = [
  ['npm', 'SIGTERM'],
  ['npm', 'SIGINT'],
  ['script', 'SIGTERM'],
  ['script', 'SIGINT'],
  ['group', 'SIGTERM'],
  ['group', 'SIGINT'],
];

