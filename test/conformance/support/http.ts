/**
 * A raw HTTP client: the request target is sent byte for byte as given (no URL normalisation, no re-encoding),
 * so percent-encoding tricks, duplicated and unknown parameters reach the server exactly as generated.
 * `fetch` would resolve dot segments and re-encode, hiding the very cases the suite is after.
 */
import http from 'node:http';
import type { Answer } from './check.js';

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

export interface RawRequest {
  /** GET or HEAD for the operations; any other method to probe 405. */
  method: string;
  /** Path and query exactly as they go on the request line. */
  target: string;
  headers?: Record<string, string>;
}

export function send(baseUrl: string, req: RawRequest): Promise<Answer> {
  const base = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const r = http.request(
      { host: base.hostname, port: base.port, method: req.method, path: req.target, headers: req.headers ?? {}, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    r.setTimeout(30_000, () => r.destroy(new Error(`timeout: ${req.method} ${req.target}`)));
    r.on('error', reject);
    r.end();
  });
}

/** Closes idle keep-alive sockets so a server can stop. */
export function closeClient(): void {
  agent.destroy();
}

/** `encodeURIComponent` that also encodes the characters it leaves alone but RFC 3986 reserves: `!'()*`. */
export function enc(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function queryString(pairs: [string, string][]): string {
  return pairs.length ? '?' + pairs.map(([k, v]) => `${k}=${v}`).join('&') : '';
}
