/**
 * The `validate` phase: express-openapi-validator's public middleware over the bundled contract, one instance per
 * path (the route is already matched; see createValidator). Strict request validation (unknown query parameters
 * refused, no coercion of bodies — the API takes none), response validation per PORTAL_RESPONSE_VALIDATION
 * (`throw` → 500, `log` → a warning naming the operation).
 *
 * Two things the library does not do are added around it:
 * - the contract names HEAD only where HEAD differs from GET (the signed download); on every other route HEAD is
 *   validated as the GET it mirrors (RFC 9110 §9.3.2) and restored afterwards, so Express answers without a body;
 * - it coerces `Infinity` and `1e400` to ±Infinity, which its integer checks let through: every numeric parameter
 *   of this API is an integer, so anything that is not a safe integer is refused here.
 */
import type { RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { Logger } from 'pino';
import type { ResponseValidation } from '../config.js';
import type { Request } from './context.js';
import { problems } from './problem.js';

export interface ValidatorOptions {
  spec: object;
  responseValidation: ResponseValidation;
  log: Logger;
}

/** Thrown (as a 500) when a response drifts from the contract and validation is `throw`. */
export class ResponseDriftError extends Error {
  override readonly name = 'ResponseDriftError';
}

function nonFiniteNumbers(query: Record<string, unknown>): Error | undefined {
  let bad: string[] | undefined;
  for (const k in query) {
    const v = query[k];
    if (typeof v === 'number' && !Number.isSafeInteger(v)) (bad ??= []).push(k);
  }
  if (!bad) return undefined;
  return problems.badRequest(`The request has ${bad.length} invalid parameter${bad.length === 1 ? '' : 's'}: ${bad.join(', ')}.`, bad.map((name) => ({ location: 'query' as const, name, message: 'must be a finite integer' })));
}

export function createValidator(opts: ValidatorOptions): RequestHandler {
  const validateResponses =
    opts.responseValidation === 'off'
      ? false
      : {
          removeAdditional: false as const,
          onError: (err: Error, _body: unknown, req: Request) => {
            if (opts.responseValidation === 'throw') throw new ResponseDriftError(`response does not match the contract: ${err.message}`);
            const detail = { operationId: req.ctx?.match?.operation.operationId, route: req.ctx?.match?.template, error: err.message };
            (req.ctx?.log ?? opts.log).warn(detail, 'response does not match the contract');
          },
        };
  // One validator per path of the contract, each given the contract with only that path: the library finds a
  // request's route by compiling each documented path pattern in turn until one matches (about 7 µs each, on every
  // request, measured in the running server); the `route` phase has matched the operation already, so its
  // validator has one pattern to try.
  const spec = opts.spec as { paths: Record<string, unknown> };
  const options = {
    validateApiSpec: false,
    validateRequests: { allowUnknownQueryParameters: false, coerceTypes: false, removeAdditional: false, allErrors: true },
    validateResponses,
    validateSecurity: false,
    validateFormats: true,
    ajvFormats: { mode: 'full' as const },
    ignoreUndocumented: false,
    $refParser: { mode: 'dereference' as const },
    // The API takes no request bodies (the method guard refuses them), so there is no multipart stage.
    fileUploader: false as const,
  };
  const byTemplate = new Map(
    Object.keys(spec.paths).map((template) => [
      template,
      OpenApiValidator.middleware({ ...options, apiSpec: { ...spec, paths: { [template]: spec.paths[template] } } as never }) as unknown as RequestHandler[],
    ]),
  );
  const everyPath = OpenApiValidator.middleware({ ...options, apiSpec: spec as never }) as unknown as RequestHandler[];

  return function validateRequest(req, res, next) {
    // In the app the `route` phase has matched the operation; without a match (the validator on its own), the
    // library looks the route up over the whole contract.
    const middlewares = byTemplate.get(req.ctx?.match?.template ?? '') ?? everyPath;
    const asGet = req.method === 'HEAD' && req.ctx?.match?.operation.method === 'get';
    if (asGet) req.method = 'GET';
    // eov's middlewares in order, each with its own `next`, as Express would call them: the response validator
    // calls its `next(err)` again, later, from inside res.json when a body drifts, and that error must reach the
    // app's error middleware through this phase's `next`.
    const step = (i: number) => {
      let called = false;
      return (err?: unknown): void => {
        if (err === undefined || err === null) {
          if (called) return;
          called = true;
          if (i < middlewares.length) {
            try {
              return void middlewares[i]!(req, res, step(i + 1));
            } catch (thrown) {
              err = thrown;
            }
          }
        }
        if (asGet) req.method = 'HEAD';
        next(err ?? nonFiniteNumbers(req.query as Record<string, unknown>));
      };
    };
    step(0)();
  };
}
