/**
 * Small apps that mount the observability middleware the way src/app.ts does, with a stand-in for the
 * pipeline's route matching (sets req.ctx.match to the spec template's GET operation), so these tests do not
 * depend on the rest of the pipeline. The full-app tests live in app-wiring.test.ts.
 */
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { operations, type Operation } from '../../generated/operations.js';
import { requestLogger } from '../../src/observability/logger.js';
import { traceIdsOf } from '../../src/observability/trace.js';

export const TEMPLATES: Array<[RegExp, string]> = [
  [/^\/v1\/health$/, '/v1/health'],
  [/^\/v1\/contacts$/, '/v1/contacts'],
  [/^\/v1\/contacts\/[^/]+$/, '/v1/contacts/{contactId}'],
  [/^\/v1\/jobs\/[^/]+$/, '/v1/jobs/{jobId}'],
  [/^\/v1\/downloads\/[^/]+$/, '/v1/downloads/{fileId}'],
];

const matchOf = (template: string | undefined) => {
  const operation = (Object.values(operations) as Operation[]).find((o) => o.path === template && o.method === 'get');
  return operation && template ? { operation, template, params: {} } : undefined;
};

/** Creates req.ctx like the app's context phase: trace id, request logger, and the route match. */
export function contextMiddleware(logger: Logger): RequestHandler {
  return (req, _res, next) => {
    const traceId = traceIdsOf(req).traceId;
    req.ctx = {
      traceId,
      signal: new AbortController().signal,
      log: requestLogger(logger, traceId),
      startedAt: process.hrtime.bigint(),
      match: matchOf(TEMPLATES.find(([re]) => re.test(req.path))?.[1]),
    };
    next();
  };
}

export async function listen(app: Express | ((req: never, res: never) => void)): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const { createServer } = await import('node:http');
  const server = createServer(app as never);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** An in-memory pino destination: every line, parsed. */
export class LogCapture extends Writable {
  readonly raw: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') this.raw.push(line);
    cb();
  }
  get lines(): Array<Record<string, unknown>> {
    return this.raw.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  get text(): string {
    return this.raw.join('\n');
  }
}

export { express };
