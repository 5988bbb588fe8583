/**
 * express-openapi-validator over the bundled contract: strict request validation (unknown query parameters
 * rejected, no body coercion — the API takes no bodies), response validation per PORTAL_RESPONSE_VALIDATION.
 */
import { createRequire } from 'node:module';
import type { RequestHandler, Request } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { Logger } from 'pino';
import type { ResponseValidation } from '../config.js';
import { problems } from './problem.js';

/**
 * express-openapi-validator 5.6 looks up the operation of every request by compiling path-to-regexp for every
 * route of the spec, on every request (openapi.metadata.js `lookupRoute`): about a fifth of the whole pipeline's
 * CPU in a profile. pathToRegexp is a pure function of (path, options) and eov reads its result without mutating
 * it, so it is memoized on the module object eov calls through. Express's own router compiles at registration and
 * is unaffected.
 */
function memoizePathToRegexp(): void {
  const require = createRequire(import.meta.url);
  const eovEntry = require.resolve('express-openapi-validator');
  const ptr = require(require.resolve('path-to-regexp', { paths: [eovEntry] })) as { pathToRegexp: (p: unknown, o?: object) => unknown; __portalMemo?: true };
  if (ptr.__portalMemo) return;
  const original = ptr.pathToRegexp;
  const cache = new Map<string, unknown>();
  ptr.pathToRegexp = (path: unknown, options?: object) => {
    if (typeof path !== 'string') return original(path, options);
    const key = `${path}\0${JSON.stringify(options ?? {})}`;
    let hit = cache.get(key);
    if (hit === undefined) {
      hit = original(path, options);
      if (cache.size < 1000) cache.set(key, hit);
    }
    return hit;
  };
  ptr.__portalMemo = true;
}
memoizePathToRegexp();

export interface ValidatorOptions {
  spec: object;
  responseValidation: ResponseValidation;
  log: Logger;
}

/** Thrown (as a 500) when a response drifts from the contract and validation is `throw`. */
export class ResponseDriftError extends Error {
  override readonly name = 'ResponseDriftError';
}

/**
 * The validator coerces `Infinity` and `1e400` to ±Infinity, which its integer and range checks let through; every
 * numeric parameter of this API is an integer, so anything that is not a safe integer is refused here.
 */
const finiteNumbers: RequestHandler = (req, _res, next) => {
  const bad = Object.entries(req.query as Record<string, unknown>).filter(([, v]) => typeof v === 'number' && !Number.isSafeInteger(v));
  if (bad.length === 0) return next();
  next(problems.badRequest(`The request has ${bad.length} invalid parameter${bad.length === 1 ? '' : 's'}: ${bad.map(([k]) => k).join(', ')}.`, bad.map(([name]) => ({ location: 'query' as const, name, message: 'must be a finite integer' }))));
};

export function createValidator(opts: ValidatorOptions): RequestHandler[] {
  const validateResponses =
    opts.responseValidation === 'off'
      ? false
      : {
          removeAdditional: false as const,
          onError: (err: Error, _body: unknown, req: Request) => {
            const detail = { operationId: req.ctx?.operationId, route: req.ctx?.route, error: err.message };
            if (opts.responseValidation === 'throw') throw new ResponseDriftError(`response does not match the contract: ${err.message}`);
            (req.ctx?.log ?? opts.log).warn(detail, 'response does not match the contract');
          },
        };
  const middlewares = OpenApiValidator.middleware({
    apiSpec: structuredClone(opts.spec) as never,
    validateApiSpec: false,
    validateRequests: { allowUnknownQueryParameters: false, coerceTypes: false, removeAdditional: false, allErrors: true },
    validateResponses,
    validateSecurity: false,
    validateFormats: true,
    ajvFormats: { mode: 'full' },
    ignoreUndocumented: false,
    $refParser: { mode: 'dereference' },
  });
  // The contract names `head` only where HEAD differs from GET; elsewhere HEAD is validated as the GET it mirrors
  // (RFC 9110 §9.3.2), then restored so Express answers without a body.
  const asGet: RequestHandler = (req, _res, next) => {
    if (req.method === 'HEAD' && req.ctx?.match && req.ctx.operationId !== 'headDownloadFile') {
      req.method = 'GET';
      req.ctx.headAsGet = true;
    }
    next();
  };
  const restore: RequestHandler = (req, _res, next) => {
    if (req.ctx?.headAsGet) req.method = 'HEAD';
    next();
  };
  return [asGet, ...(middlewares as unknown as RequestHandler[]), restore, finiteNumbers];
}
