/**
 * A real HTTP proxy on 127.0.0.1 that stands between the portal's RPC client and a real backend server and
 * injects the outside world's faults at runtime: latency, 5xx answers, connection resets, black holes, bodies
 * that are malformed, cut off, or stall half way. When the backend itself is down (killed, restarting), the
 * proxy passes that on as the network would: the client's connection is reset, as a refused or dropped upstream
 * connection would be without a proxy in between.
 *
 * It counts requests, records the headers it saw, and notices when the client side closes before its answer
 * was complete — and then closes the upstream request too, exactly as a real proxy would, so tests can prove an
 * abort reaches the backend.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import { listenLocal } from './listen.js';

export type Fault = (
  | { kind: 'pass' }
  /** Wait `ms` before forwarding (the upstream looks slow). */
  | { kind: 'latency'; ms: number }
  /** Answer this status without forwarding; `body` lets tests check it never leaks. */
  | { kind: 'status'; status: number; body?: string }
  /** Reset the TCP connection (RST) without answering. */
  | { kind: 'reset' }
  /** Read the request and never answer, until the client gives up. */
  | { kind: 'blackhole' }
  /** Answer 200 `application/json` (or `contentType`) with `body` as it is: not JSON, or JSON of the wrong shape. */
  | { kind: 'malformed'; body: string; contentType?: string }
  /** Forward, pass the upstream's head (its Content-Length too) and half of its body, then close the connection. */
  | { kind: 'truncated' }
  /** Forward, pass the upstream's head and half of its body, then send nothing more until the client gives up. */
  | { kind: 'stall-mid-body' }
) & {
  /** Only requests whose URL matches take this fault; the others pass (standing faults only). */
  only?: RegExp;
};

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  fault: Fault['kind'];
}

export interface FaultProxy {
  readonly url: string;
  /** The fault for every request from now on (default `pass`). */
  setFault(fault: Fault): void;
  /** A fault for the next `times` requests only, before the standing one applies again. */
  nextFaults(fault: Fault, times?: number): void;
  /** Every request received, in order. */
  readonly seen: SeenRequest[];
  /** Requests whose client closed before the answer was complete. */
  readonly clientCloses: number;
  /** Requests the upstream failed (refused, reset or dropped the connection) before or while answering. */
  readonly upstreamFailures: number;
  /** Resolves at the next client-side close (or rejects after `timeoutMs`). */
  waitForClientClose(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFaultProxy(upstreamUrl: string): Promise<FaultProxy> {
  const upstream = new URL(upstreamUrl);
  const agent = new http.Agent({ keepAlive: true });
  const events = new EventEmitter();
  const seen: SeenRequest[] = [];
  const queue: Fault[] = [];
  let standing: Fault = { kind: 'pass' };
  let clientCloses = 0;
  let upstreamFailures = 0;
  const server = http.createServer((req, res) => {
    const queued = queue.shift();
    const fault: Fault = queued ?? (standing.only && !standing.only.test(req.url ?? '/') ? { kind: 'pass' } : standing);
    seen.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: { ...req.headers }, fault: fault.kind });
    let upstreamReq: http.ClientRequest | undefined;
    let timer: NodeJS.Timeout | undefined;

    res.on('close', () => {
      if (res.writableFinished) return;
      clientCloses += 1;
      clearTimeout(timer);
      upstreamReq?.destroy();
      events.emit('client-close');
    });

    /** Half of the upstream's answer, after its full head: then cut the connection, or hold it. */
    const halfThen = (up: http.IncomingMessage, then: 'cut' | 'stall') => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const body = Buffer.concat(chunks);
        res.writeHead(up.statusCode ?? 502, up.headers);
        res.write(body.subarray(0, Math.max(1, Math.floor(body.length / 2))), () => {
          if (then === 'cut') req.socket.destroy();
        });
      });
    };

    const forward = () => {
      if (res.destroyed) return;
      upstreamReq = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
        (up) => {
          if (fault.kind === 'truncated') return halfThen(up, 'cut');
          if (fault.kind === 'stall-mid-body') return halfThen(up, 'stall');
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          up.on('aborted', () => {
            upstreamFailures += 1;
            res.destroy();
          });
        },
      );
      upstreamReq.on('error', () => {
        if (res.destroyed) return;
        upstreamFailures += 1;
        // The backend is gone: the client sees what it would see without the proxy, a connection that fails.
        if (!res.headersSent) req.socket.resetAndDestroy();
        else res.destroy();
      });
      req.pipe(upstreamReq);
    };

    switch (fault.kind) {
      case 'pass':
      case 'truncated':
      case 'stall-mid-body':
        return forward();
      case 'latency':
        timer = setTimeout(forward, fault.ms);
        return;
      case 'status':
        req.resume();
        res.writeHead(fault.status, { 'content-type': 'text/plain' }).end(fault.body ?? `injected ${fault.status}`);
        return;
      case 'malformed':
        req.resume();
        res.writeHead(200, { 'content-type': fault.contentType ?? 'application/json' }).end(fault.body);
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'blackhole':
        req.resume();
        return;
    }
  });
  const listening = await listenLocal(server);

  return {
    url: listening.url,
    setFault: (f) => {
      standing = f;
    },
    nextFaults: (f, times = 1) => {
      for (let i = 0; i < times; i++) queue.push(f);
    },
    seen,
    get clientCloses() {
      return clientCloses;
    },
    get upstreamFailures() {
      return upstreamFailures;
    },
    waitForClientClose: (timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no client-side close within ${timeoutMs} ms`)), timeoutMs);
        events.once('client-close', () => {
          clearTimeout(t);
          resolve();
        });
      }),
    close: async () => {
      agent.destroy();
      await listening.close();
    },
  };
}
