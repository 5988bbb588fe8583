/**
 * HTTP server limits against slow and oversized clients.
 *
 * - `headersTimeout` (default 10 s): a client must finish sending its headers in time (slowloris).
 * - `requestTimeout` (default 30 s): the whole request, body included, must arrive in time.
 * - `keepAliveTimeout` (default 65 s): longer than the load balancer's idle timeout (60 s on the common ones),
 *   so the LB always closes an idle connection first and never sends a request on a socket we are closing
 *   (which would surface as sporadic 502s).
 * - `maxHeaderSize` (default 16 KiB) bounds the request line and headers together (so the URL too); Node answers
 *   431 past it. It can only be set when the server is created: use `serverOptions(config)`.
 * Malformed, oversized or timed-out requests get a problem+json answer (trace id, rate-limit headers) instead of
 * Node's bare default.
 */
import type { Server } from 'node:http';
import type { ServerOptions } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Config } from '../config.js';
import { PROBLEM_BASE } from '../http/problem.js';
import { PARSER_REFUSAL_HEADERS } from './headers.js';
import { DEFAULT_MAX_URL_LENGTH } from './method-guard.js';

type HttpLimits = Pick<Config['http'], 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'maxHeaderSize'>;

/** Options for `http.createServer(serverOptions(config.http), app)`. */
export function serverOptions(http: HttpLimits): ServerOptions {
  const headersTimeout = Math.min(http.headersTimeoutMs, http.requestTimeoutMs);
  return {
    maxHeaderSize: http.maxHeaderSize,
    headersTimeout,
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    // How often Node checks the two timeouts above (default 30 s would let a slow client linger that long).
    connectionsCheckingInterval: Math.max(250, Math.min(5000, Math.floor(headersTimeout / 4))),
    requireHostHeader: true,
  };
}

const CLIENT_ERRORS: Record<string, { status: number; reason: string; type: string; title: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, reason: 'Request Header Fields Too Large', type: 'headers-too-large', title: 'Request header fields too large', detail: 'The request headers are too large.' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', type: 'request-timeout', title: 'Request timeout', detail: 'The request did not arrive in time.' },
};
const URI_TOO_LONG = { status: 414, reason: 'URI Too Long', type: 'uri-too-long', title: 'URI too long', detail: `Request targets are limited to ${DEFAULT_MAX_URL_LENGTH} characters.` };
const UNPARSABLE = { status: 400, reason: 'Bad Request', type: 'invalid-request', title: 'Invalid request', detail: 'The request could not be parsed.' };

/** What the parser had read when it gave up: the method and target, when its buffer starts with a request line. */
function requestLine(raw: Buffer | undefined): { method: string; target: string; complete: boolean } | undefined {
  if (!raw) return undefined;
  const head = raw.subarray(0, 64 * 1024).toString('latin1');
  const m = /^([A-Z]{3,10}) (\S*)( |\r?\n|$)/.exec(head);
  return m ? { method: m[1]!, target: m[2]!, complete: m[3] !== '' } : undefined;
}

export interface ClientErrorOptions {
  /** The IP's `RateLimit` headers for a path, without spending its budget (RateLimiters.peekHeaders). */
  rateLimitHeaders?: (ip: string, path: string) => Promise<Record<string, string>>;
  /** Where the refusal is logged, with its trace id (the one the client is told to quote). */
  log?: { info: (obj: object, msg: string) => void };
}

/**
 * The parser's refusals, answered like every other refusal: problem+json with a fresh `traceId` (also in
 * `traceparent` and the log line), the security headers, and the client IP's `RateLimit` headers (read, not
 * spent: behind a proxy the socket's address is the proxy's, and a proxy's health checks must not pay for a
 * client's oversized headers). A request line longer than the header limit is the client's URL, so 414, as the
 * method guard answers shorter over-long targets.
 */
async function answerClientError(err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex, opts: ClientErrorOptions): Promise<void> {
  if (!socket.writable || (err.code === 'ECONNRESET' && socket.destroyed)) {
    socket.destroy();
    return;
  }
  const line = requestLine(err.rawPacket);
  let known = CLIENT_ERRORS[err.code ?? ''] ?? UNPARSABLE;
  if (known.status === 431 && line && (!line.complete || line.target.length > DEFAULT_MAX_URL_LENGTH)) known = URI_TOO_LONG;
  const traceId = randomBytes(16).toString('hex');
  const ip = (socket as Socket).remoteAddress ?? '';
  const path = line?.target.split('?')[0] ?? '/';
  const limitHeaders = opts.rateLimitHeaders && ip ? await opts.rateLimitHeaders(ip, path).catch(() => ({})) : {};
  opts.log?.info({ traceId, status: known.status, code: err.code, ip }, 'request refused by the HTTP parser');
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify({
    type: PROBLEM_BASE + known.type,
    title: known.title,
    status: known.status,
    detail: known.detail,
    traceId,
  });
  socket.end(
    `HTTP/1.1 ${known.status} ${known.reason}\r\n` +
      'Content-Type: application/problem+json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `traceparent: 00-${traceId}-${randomBytes(8).toString('hex')}-00\r\n` +
      Object.entries({ ...limitHeaders, ...PARSER_REFUSAL_HEADERS }).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
      'Connection: close\r\n\r\n' +
      (line?.method === 'HEAD' ? '' : body),
  );
}

/** Sets the timeouts on an existing server (for servers not created with `serverOptions`) and the error answer. */
export function applyServerHardening(server: Server, http: HttpLimits, clientErrors: ClientErrorOptions = {}): void {
  const opts = serverOptions(http);
  server.headersTimeout = opts.headersTimeout ?? server.headersTimeout;
  server.requestTimeout = opts.requestTimeout ?? server.requestTimeout;
  server.keepAliveTimeout = opts.keepAliveTimeout ?? server.keepAliveTimeout;
  server.maxHeadersCount = 100;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => void answerClientError(err, socket, clientErrors));
}
