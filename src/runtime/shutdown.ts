/**
 * Graceful shutdown. On SIGTERM/SIGINT: readiness turns 503 at once; the server keeps serving for the drain delay
 * (so the load balancer notices); then it stops accepting, answers every request still arriving on open
 * keep-alive connections with `Connection: close` (so no client has a request reset under it), closes idle
 * connections, waits for in-flight requests up to the deadline, aborts what is left through their AbortSignals,
 * and finally runs the cleanup steps (database, Redis, trace exporter, logs).
 */
import type { Server } from 'node:http';
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
}

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
        // Stop accepting; requests still arriving on open connections are served with `Connection: close`.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const idle = await waitIdle(Math.max(0, opts.timeoutMs - (Date.now() - started)));
        if (!idle) {
          logger.warn({ inFlight: inFlight }, 'shutdown deadline reached: aborting in-flight requests');
          opts.abortInFlight();
          await waitIdle(1000);
          server.closeAllConnections();
        }
        server.closeIdleConnections();
        await Promise.race([closed, new Promise((r) => setTimeout(r, 1000))]);
        await opts.cleanup();
      })();
      return done;
    },
  };
}
