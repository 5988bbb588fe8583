/**
 * Typed operation handlers. Each operation module calls `defineOperation('<operationId>', fn)`; `fn` receives the
 * validated parameters typed from generated/types.ts and returns a status and body that must match the contract
 * for that status — a body that drifts from the spec fails `tsc` (see test/http/operation-types.test-d.ts).
 */
import type { Request, RequestHandler, Response } from 'express';
import type { operations as OperationTypes } from '../../generated/types.js';
import { operations, type OperationId } from '../../generated/operations.js';
import type { Principal } from './context.js';
import type { AppServices } from './services.js';
import { NO_STORE, REVALIDATE, entityTag, ifNoneMatchHits } from './caching.js';

type Op<K extends OperationId> = OperationTypes[K];
type Responses<K extends OperationId> = Op<K>['responses'];
type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type JsonStatuses<K extends OperationId> = {
  [S in keyof Responses<K>]: [JsonOf<Responses<K>[S]>] extends [never] ? never : S;
}[keyof Responses<K>];
type Caching = (typeof operations)[OperationId]['caching'];
type Defined<T> = [T] extends [undefined] ? Record<string, never> : [T] extends [never] ? Record<string, never> : NonNullable<T>;

export type QueryOf<K extends OperationId> = Defined<Op<K>['parameters']['query']>;
export type PathOf<K extends OperationId> = Defined<Op<K>['parameters']['path']>;

/**
 * What a handler answers: a status the contract documents and the body it documents for that status, plus the
 * `Link` to the next page. How the answer may be cached is the contract's (`caching` in generated/operations.ts).
 */
export type OperationResult<K extends OperationId> = {
  [S in JsonStatuses<K>]: { status: S; body: JsonOf<Responses<K>[S]>; link?: string };
}[JsonStatuses<K>];

export interface OperationContext<K extends OperationId> {
  query: QueryOf<K>;
  path: PathOf<K>;
  /** The authenticated caller; the `authenticate` phase guarantees one on every protected operation. */
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

function send<K extends OperationId>(req: Request, res: Response, result: OperationResult<K>, how: { caching: Caching; validateResponses: boolean }): void {
  const { caching, validateResponses } = how;
  const { status, body, link } = result as { status: number; body: unknown; link?: string };
  // Appended: a deprecation's `Link: <…>; rel="deprecation"` (http/deprecation.ts) may already be there.
  if (link) res.append('Link', link);
  const json = JSON.stringify(body);
  if (caching === 'no-store') {
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
  const caching: Caching = operations[operationId].caching;
  return {
    operationId,
    handler: (services) => async (req, res, next) => {
      try {
        const result = await fn({
          query: req.query as QueryOf<K>,
          path: (req.ctx.match?.params ?? {}) as PathOf<K>,
          principal: req.ctx.principal as Principal,
          signal: req.ctx.signal,
          services,
          req,
          res,
        });
        if (result) send(req, res, result, { caching, validateResponses: services.validateResponses });
      } catch (err) {
        next(err);
      }
    },
  };
}
