/**
 * Graceful shutdown. On SIGTERM/SIGINT: readiness turns 503 at once; the server keeps serving for the drain delay
 * (so the load balancer notices); then it stops accepting, answers every request still arriving on open
 * keep-alive connections with `Connection: close` (so no client has a request reset under it), closes the
 * connections still idle after a short grace, waits for in-flight requests up to the deadline, aborts what is left
 * through their AbortSignals, and finally runs the cleanup steps (database, Redis, trace exporter, logs).
 */
import type { Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import type { Logger } from 'pino';

export interface ShutdownOptions {
  server: Server;
  logger: Logger;
  drainDelayMs: number;
  timeoutMs: number;
  /** Flip readiness (admin /readyz → 503). */
  startDraining: () => void;
  /** Aborts every in-flight request's signal. */
  abortInFlight: () => void;
  /** Closes dependencies, flushes traces and logs; errors are logged, never thrown. */
  cleanup: () => Promise<void>;
  /** How long open keep-alive connections may stay idle after the listener stops before they are closed. */
  idleGraceMs?: number;
}

const DEFAULT_IDLE_GRACE_MS = 500;

export interface ShutdownController {
  /** Starts the shutdown once; resolves when it is complete. */
  shutdown(reason: string): Promise<void>;
  inFlight(): number;
}

export function trackShutdown(opts: ShutdownOptions): ShutdownController {
  const { server, logger } = opts;
  let inFlight = 0;
  let closing = false;
  let idleWaiters: (() => void)[] = [];

  server.on('request', (req, res) => {
    inFlight += 1;
    if (closing) res.setHeader('Connection', 'close');
    res.once('close', () => {
      inFlight -= 1;
      if (closing && inFlight === 0) {
        for (const w of idleWaiters) w();
        idleWaiters = [];
      }
    });
    void req;
  });

  const waitIdle = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (inFlight === 0) return resolve(true);
      const timer = setTimeout(() => resolve(false), ms);
      idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });

  let done: Promise<void> | undefined;
  return {
    inFlight: () => inFlight,
    shutdown(reason) {
      done ??= (async () => {
        const started = Date.now();
        logger.info({ reason, drainDelayMs: opts.drainDelayMs, timeoutMs: opts.timeoutMs }, 'shutting down: readiness off, draining');
        opts.startDraining();
        if (opts.drainDelayMs > 0) await new Promise((r) => setTimeout(r, opts.drainDelayMs));
        closing = true;
        // Stop accepting but leave open connections alone: http.Server#close() would also close the idle ones at
        // once (Node ≥ 19), resetting requests already on their way over them (measured: one per busy keep-alive
        // client). Requests still arriving on open connections are answered with `Connection: close`, so busy
        // clients hang up by themselves within the grace; only connections still idle after it are closed.
        const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
        const remaining = () => Math.max(0, opts.timeoutMs - (Date.now() - started));
        await new Promise((r) => setTimeout(r, Math.min(opts.idleGraceMs ?? DEFAULT_IDLE_GRACE_MS, remaining())));
        server.closeIdleConnections();
        const idle = await waitIdle(remaining());
        if (!idle) {
          logger.warn({ inFlight: inFlight }, 'shutdown deadline reached: aborting in-flight requests');
          opts.abortInFlight();
          await waitIdle(1000);
          server.closeAllConnections();
          // The responses just cut still run their close handlers (access line, the download's audit line): let
          // them finish before cleanup flushes the logs and the process exits, or those lines are lost.
          await waitIdle(1000);
          await new Promise((r) => setImmediate(r));
        }
        server.closeIdleConnections();
        await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
        await opts.cleanup();
      })();
      return done;
    },
  };
}

/** Signals closer together than this are one request to stop, delivered more than once. */
export const SIGNAL_REPEAT_WINDOW_MS = 1000;
const SIGNAL_NUMBERS = { SIGTERM: 15, SIGINT: 2 } as const;

/**
 * SIGTERM and SIGINT start the graceful shutdown, and the process exits 0 when it is complete.
 *
 * One stop request often arrives as several signals in the same instant: Ctrl-C in a terminal and systemd's
 * default reach every process of the group, and a launcher in that group (npm, `node --watch`) relays the signal
 * to the server once more. Signals within SIGNAL_REPEAT_WINDOW_MS of the first are that same request and are only
 * logged. A signal that comes later is a person asking again (Ctrl-C pressed twice): the process stops at once,
 * without waiting for the drain, with exit code 128 + the signal's number (130 for SIGINT, 143 for SIGTERM).
 */
export function stopOnSignals(controller: ShutdownController, logger: Logger, flush: () => Promise<void>): void {
  let firstAt: number | undefined;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      const now = Date.now();
      if (firstAt === undefined) {
        firstAt = now;
        void controller.shutdown(signal).then(() => process.exit(0));
        return;
      }
      if (now - firstAt < SIGNAL_REPEAT_WINDOW_MS) {
        logger.info({ signal }, 'signal repeated while draining: the drain goes on');
        return;
      }
      logger.warn({ signal, inFlight: controller.inFlight() }, 'second stop signal: exiting now without finishing the drain');
      void flush().finally(() => process.exit(128 + SIGNAL_NUMBERS[signal]));
    });
  }
}
