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
 * Malformed or timed-out requests get a small problem+json answer instead of Node's bare default.
 */
import type { Server } from 'node:http';
import type { ServerOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from '../config.js';

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

const CLIENT_ERRORS: Record<string, { status: number; reason: string; type: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, reason: 'Request Header Fields Too Large', type: 'headers-too-large', detail: 'The request headers are too large.' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', type: 'request-timeout', detail: 'The request did not arrive in time.' },
};

function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (err.code === 'ECONNRESET' && socket.destroyed)) {
    socket.destroy();
    return;
  }
  const known = CLIENT_ERRORS[err.code ?? ''] ?? { status: 400, reason: 'Bad Request', type: 'invalid-request', detail: 'The request could not be parsed.' };
  const body = JSON.stringify({
    type: `https://api.portal.example.com/problems/${known.type}`,
    title: known.reason,
    status: known.status,
    detail: known.detail,
  });
  socket.end(
    `HTTP/1.1 ${known.status} ${known.reason}\r\n` +
      'Content-Type: application/problem+json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n' +
      "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n" +
      'X-Content-Type-Options: nosniff\r\n' +
      'X-Frame-Options: DENY\r\n' +
      'Referrer-Policy: no-referrer\r\n' +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** Sets the timeouts on an existing server (for servers not created with `serverOptions`) and the error answer. */
export function applyServerHardening(server: Server, http: HttpLimits): void {
  const opts = serverOptions(http);
  server.headersTimeout = opts.headersTimeout ?? server.headersTimeout;
  server.requestTimeout = opts.requestTimeout ?? server.requestTimeout;
  server.keepAliveTimeout = opts.keepAliveTimeout ?? server.keepAliveTimeout;
  server.maxHeadersCount = 100;
  server.on('clientError', answerClientError);
}
