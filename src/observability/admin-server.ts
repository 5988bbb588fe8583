/**
 * The admin listener: `/metrics`, `/livez`, `/readyz` (readiness, plus `info` such as the backend's resilience
 * pipeline) on their own plain `node:http` server, bound to 127.0.0.1 by default (PORTAL_ADMIN_HOST/PORT). Kept off the public app so the public API never exposes
 * internals and a scrape never competes with the public pipeline's middleware (auth, rate limits).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.js';

export interface AdminServerOptions {
  host: string;
  port: number;
  metrics: Metrics;
  /** Readiness of the dependencies (store reachable, migrations done…). Errors and timeouts count as not ready. */
  isReady: () => boolean | Promise<boolean>;
  /** How long a readiness check may take before it counts as not ready. */
  readyTimeoutMs?: number;
  /** Facts about this process that every /readyz body carries, e.g. `{ backend: { pipeline: 'embedded' } }`. */
  info?: Record<string, unknown>;
}

export interface AdminServer {
  server: Server;
  /** The bound port (useful with port 0). */
  port: number;
  /** From now on /readyz answers 503 so load balancers stop sending traffic; /livez stays 200. */
  startDraining(): void;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', JSON.stringify(body));
}

async function checkReady(isReady: AdminServerOptions['isReady'], timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    return (await Promise.race([Promise.resolve().then(isReady), timeout])) === true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export async function startAdminServer(opts: AdminServerOptions): Promise<AdminServer> {
  let draining = false;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 2000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/metrics' && path !== '/livez' && path !== '/readyz') {
      json(res, 404, { status: 404, title: 'Not found' });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      json(res, 405, { status: 405, title: 'Method not allowed' });
      return;
    }
    if (path === '/livez') {
      json(res, 200, { status: 'ok' });
    } else if (path === '/readyz') {
      if (draining) json(res, 503, { status: 'draining', ...opts.info });
      else if (await checkReady(opts.isReady, readyTimeoutMs)) json(res, 200, { status: 'ready', ...opts.info });
      else json(res, 503, { status: 'not_ready', ...opts.info });
    } else {
      send(res, 200, opts.metrics.contentType, await opts.metrics.render());
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { status: 500, title: 'Internal server error' });
      else res.destroy();
    });
  });
  // A scraper keeps its connection open; don't let it hold the process at shutdown.
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    server,
    port: (server.address() as AddressInfo).port,
    startDraining() {
      draining = true;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
