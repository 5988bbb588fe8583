/**
 * Typed operation handlers. Each operation module calls `defineOperation('<operationId>', fn)`; `fn` receives the
 * validated parameters typed from generated/types.ts and returns a status and body that must match the contract
 * for that status — a body that drifts from the spec fails `tsc` (see test/http/operation-types.test-d.ts).
 */
import type { Request, RequestHandler, Response } from 'express';
import type { operations } from '../../generated/types.js';
import type { OperationId } from '../../generated/operations.js';
import type { Principal } from './context.js';
import type { AppServices } from './services.js';
import { NO_STORE, REVALIDATE, entityTag, ifNoneMatchHits } from './caching.js';
import { problems } from './problem.js';

type Op<K extends OperationId> = operations[K];
type Responses<K extends OperationId> = Op<K>['responses'];
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type JsonStatuses<K extends OperationId> = {
  [S in keyof Responses<K>]: [JsonOf<Responses<K>[S]>] extends [never] ? never : S;
}[keyof Responses<K>];
type Defined<T> = [T] extends [undefined] ? Record<string, never> : [T] extends [never] ? Record<string, never> : NonNullable<T>;

export type QueryOf<K extends OperationId> = Defined<Op<K>['parameters']['query']>;
export type PathOf<K extends OperationId> = Defined<Op<K>['parameters']['path']>;

/** How the answer may be cached: `etag` (revalidate with If-None-Match) or `no-store` (holds signed URLs). */
export type Caching = 'etag' | 'no-store';

export type OperationResult<K extends OperationId> = {
  [S in JsonStatuses<K>]: { status: S; body: JsonOf<Responses<K>[S]>; cache: Caching; link?: string };
}[JsonStatuses<K>];

export interface OperationContext<K extends OperationId> {
  query: QueryOf<K>;
  path: PathOf<K>;
  /** The authenticated caller; present on every protected operation. */
  principal: Principal;
  signal: AbortSignal;
  services: AppServices;
  req: Request;
  res: Response;
}

/** `void` means the handler wrote the response itself (streams). */
export type OperationFn<K extends OperationId> = (ctx: OperationContext<K>) => Promise<OperationResult<K> | void>;

export interface OperationModule<K extends OperationId = OperationId> {
  operationId: K;
  handler: (services: AppServices) => RequestHandler;
}

function send<K extends OperationId>(req: Request, res: Response, result: OperationResult<K>, validateResponses: boolean): void {
  const { status, body, cache, link } = result as { status: number; body: unknown; cache: Caching; link?: string };
  // Appended: a deprecation's `Link: <…>; rel="deprecation"` (http/deprecation.ts) may already be there.
  if (link) res.append('Link', link);
  const json = JSON.stringify(body);
  if (cache === 'no-store') {
    res.setHeader('Cache-Control', NO_STORE);
  } else if (status >= 200 && status < 300) {
    const etag = entityTag(json);
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', REVALIDATE);
    if (ifNoneMatchHits(req.headers['if-none-match'], etag)) {
      res.statusCode = 304;
      res.end();
      return;
    }
  }
  res.statusCode = status;
  // With response validation on, eov checks bodies in res.json. Otherwise the body is written as is: Express's
  // res.send would only re-derive the same two headers and re-run a freshness check this function already did.
  // Node itself leaves the body out of a HEAD response.
  if (validateResponses) {
    res.json(body);
    return;
  }
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}

export function defineOperation<K extends OperationId>(operationId: K, fn: OperationFn<K>): OperationModule<K> {
  return {
    operationId,
    handler: (services) => async (req, res, next) => {
      try {
        const principal = req.ctx.principal;
        if (!principal && !req.ctx.match?.public) throw problems.unauthorized();
        const result = await fn({
          query: req.query as QueryOf<K>,
          path: (req.ctx.match?.params ?? {}) as PathOf<K>,
          principal: principal as Principal,
          signal: req.ctx.signal,
          services,
          req,
          res,
        });
        if (result) send(req, res, result, services.validateResponses);
      } catch (err) {
        next(err);
      }
    },
  };
}
