/**
 * express-openapi-validator over the bundled contract: strict request validation (unknown query parameters
 * rejected, no body coercion — the API takes no bodies), response validation per PORTAL_RESPONSE_VALIDATION.
 *
 * How it is invoked (the validation itself is the library's, unchanged): `OpenApiValidator.middleware()` returns a
 * chain of six middlewares (path params, metadata, security, multipart, request, response), each of which waits
 * for the spec-loading promise again on every request (`pContext.then(…)`), so a request paid for six promise
 * hops, the security and multipart stages (both no-ops here: security is checked by src/security/, and the API
 * takes no bodies) and a route lookup that compiles and tries every route of the spec. Here the same pieces are
 * built once, the way `OpenApiValidator.installMiddleware` builds them (same options, same spec loader, same
 * preprocessor, same `RequestValidator` / `ResponseValidator`), and run back to back in one middleware:
 * - the operation is the one src/http/routes.ts matched: `req.openapi` comes from a table made per (route, method)
 *   from eov's own route context, instead of eov's per-request lookup (which still runs when no match is known);
 * - the request validator and, when on, the response validator then run as eov runs them.
 * This uses eov's internal modules (dist/…), so the dependency is pinned to an exact version in package.json, and
 * the module refuses to load when those internals are missing.
 */
import { createRequire } from 'node:module';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { ResponseValidation } from '../config.js';
import { problems } from './problem.js';

const require = createRequire(import.meta.url);

/** The parts of express-openapi-validator 5.6 used here (dist/openapi.validator.js `installMiddleware`). */
interface EovRoute {
  basePath: string;
  expressRoute: string;
  openApiRoute: string;
  method: string;
}
interface EovSpec {
  apiDoc: { paths: Record<string, Record<string, unknown>> };
  routes: EovRoute[];
  serial: number;
}
interface EovContext {
  apiDoc: EovSpec['apiDoc'];
  routes: EovRoute[];
  serial: number;
}
type Middleware = (req: Request, res: Response, next: (err?: unknown) => void) => unknown;
interface EovValidator {
  options: { validateApiSpec: boolean; $refParser: object; validateResponses: object | false; ignorePaths?: unknown; ignoreUndocumented?: boolean; useRequestUrl?: boolean };
  ajvOpts: { preprocessor: object };
  metadataMiddleware(context: EovContext, responseApiDoc: EovSpec['apiDoc'] | null): Middleware;
  requestValidationMiddleware(apiDoc: EovSpec['apiDoc']): Middleware;
  responseValidationMiddleware(apiDoc: EovSpec['apiDoc'] | null, serial: number): Middleware;
}
interface Eov {
  OpenApiValidator: new (options: object) => EovValidator;
  OpenApiSpecLoader: new (opts: { apiDoc: object; validateApiSpec: boolean; $refParser: object }) => { load(): Promise<EovSpec> };
  OpenApiContext: new (spec: EovSpec, ignorePaths: unknown, ignoreUndocumented?: boolean, useRequestUrl?: boolean) => EovContext;
  SchemaPreprocessor: new (apiDoc: object, ajvOptions: object, responseOpts: object | false) => { preProcess(): { apiDocRes: EovSpec['apiDoc'] | null } };
}

function loadEov(): Eov {
  const dist = (m: string) => require(`express-openapi-validator/dist/${m}`) as Record<string, unknown>;
  const eov = {
    OpenApiValidator: dist('openapi.validator').OpenApiValidator,
    OpenApiSpecLoader: dist('framework/openapi.spec.loader').OpenApiSpecLoader,
    OpenApiContext: dist('framework/openapi.context').OpenApiContext,
    SchemaPreprocessor: dist('middlewares/parsers/schema.preprocessor').SchemaPreprocessor,
  } as Eov;
  const proto = (eov.OpenApiValidator as unknown as { prototype?: Record<string, unknown> })?.prototype;
  const ok =
    typeof eov.OpenApiSpecLoader === 'function' &&
    typeof eov.OpenApiContext === 'function' &&
    typeof eov.SchemaPreprocessor === 'function' &&
    ['metadataMiddleware', 'requestValidationMiddleware', 'responseValidationMiddleware'].every((m) => typeof proto?.[m] === 'function');
  if (!ok) throw new Error('express-openapi-validator internals changed: src/http/validator.ts is written against 5.6.2');
  return eov;
}
const eov = loadEov();

/**
 * eov's fallback route lookup (used only when no route match is known) compiles path-to-regexp for every route of
 * the spec on every request (openapi.metadata.js `lookupRoute`). pathToRegexp is a pure function of (path, options)
 * and eov reads its result without mutating it, so it is memoized on the module object eov calls through. Express's
 * own router compiles at registration and is unaffected.
 */
function memoizePathToRegexp(): void {
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
function nonFiniteNumbers(query: Record<string, unknown>): Error | undefined {
  let bad: string[] | undefined;
  for (const k in query) {
    const v = query[k];
    if (typeof v === 'number' && !Number.isSafeInteger(v)) (bad ??= []).push(k);
  }
  if (!bad) return undefined;
  return problems.badRequest(`The request has ${bad.length} invalid parameter${bad.length === 1 ? '' : 's'}: ${bad.join(', ')}.`, bad.map((name) => ({ location: 'query' as const, name, message: 'must be a finite integer' })));
}

/** What eov's metadata middleware puts on `req.openapi` for one (route, method), minus the per-request path params. */
interface OperationMeta {
  expressRoute: string;
  openApiRoute: string;
  schema: unknown;
  responseSchema: unknown;
  hasResponseSchema: boolean;
}

interface Built {
  metadata: Middleware;
  stages: Middleware[];
  /** openApiRoute → upper-case method → metadata. */
  operations: Map<string, Map<string, OperationMeta>>;
  serial: number;
}

async function build(validator: EovValidator, apiDoc: object): Promise<Built> {
  // As OpenApiValidator.installMiddleware and express-openapi-validator's `middleware()` do it, in the same order.
  const spec = await new eov.OpenApiSpecLoader({ apiDoc, validateApiSpec: validator.options.validateApiSpec, $refParser: validator.options.$refParser }).load();
  const responseOpts = validator.options.validateResponses;
  const { apiDocRes } = new eov.SchemaPreprocessor(spec.apiDoc, validator.ajvOpts.preprocessor, responseOpts).preProcess();
  const context = new eov.OpenApiContext(spec, validator.options.ignorePaths, validator.options.ignoreUndocumented, validator.options.useRequestUrl);
  const metadata = validator.metadataMiddleware(context, apiDocRes);
  const stages = [validator.requestValidationMiddleware(context.apiDoc)];
  if (responseOpts) stages.push(validator.responseValidationMiddleware(apiDocRes, context.serial));

  const operations = new Map<string, Map<string, OperationMeta>>();
  for (const route of context.routes) {
    const pathKey = route.openApiRoute.substring(route.basePath.length);
    const method = route.method.toLowerCase();
    let byMethod = operations.get(route.openApiRoute);
    if (!byMethod) operations.set(route.openApiRoute, (byMethod = new Map()));
    if (byMethod.has(route.method)) continue; // eov's lookup takes the first route that matches
    byMethod.set(route.method, {
      expressRoute: route.expressRoute,
      openApiRoute: route.openApiRoute,
      schema: context.apiDoc.paths[pathKey]?.[method],
      responseSchema: apiDocRes?.paths[pathKey]?.[method],
      hasResponseSchema: apiDocRes !== null && apiDocRes !== undefined,
    });
  }
  return { metadata, stages, operations, serial: context.serial };
}

/**
 * Runs middlewares one after the other, synchronously when they call `next` synchronously (eov's do), and
 * resuming later when one calls it later; a throw is `next(err)`. `done` is called once, outside any try block.
 */
function runChain(stages: readonly Middleware[], req: Request, res: Response, done: (err?: unknown) => void): void {
  let i = 0;
  let inCall = false;
  let returned: { err?: unknown } | undefined;
  const callback = (err?: unknown): void => {
    if (inCall) returned = { err };
    else resume(err);
  };
  const resume = (err?: unknown): void => {
    for (;;) {
      if (err !== undefined && err !== null) return done(err);
      const stage = stages[i++];
      if (!stage) return done();
      returned = undefined;
      inCall = true;
      let thrown: { err: unknown } | undefined;
      try {
        stage(req, res, callback);
      } catch (e) {
        thrown = { err: e ?? new Error('thrown without a reason') };
      }
      inCall = false;
      if (thrown) return done(thrown.err);
      // (`returned` is set by the callback during the call, which the compiler cannot see.)
      const sync = returned as { err?: unknown } | undefined;
      if (!sync) return; // it will call back later
      err = sync.err;
    }
  };
  resume();
}

export function createValidator(opts: ValidatorOptions): RequestHandler {
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
  const validator = new eov.OpenApiValidator({
    apiSpec: opts.spec,
    validateApiSpec: false,
    validateRequests: { allowUnknownQueryParameters: false, coerceTypes: false, removeAdditional: false, allErrors: true },
    validateResponses,
    validateSecurity: false,
    validateFormats: true,
    ajvFormats: { mode: 'full' },
    ignoreUndocumented: false,
    $refParser: { mode: 'dereference' },
    // The API takes no request bodies (the method guard refuses them), so there is no multipart stage.
    fileUploader: false,
  });
  let built: Built | undefined;
  const ready = build(validator, structuredClone(opts.spec)).then((b) => (built = b));
  // Reported on the first request, as eov reports a spec that failed to load; never an unhandled rejection.
  ready.catch(() => undefined);

  function validate(b: Built, req: Request, res: Response, next: NextFunction): void {
    const ctx = req.ctx;
    const match = ctx?.match;
    // The contract names `head` only where HEAD differs from GET; elsewhere HEAD is validated as the GET it mirrors
    // (RFC 9110 §9.3.2), then restored so Express answers without a body.
    const headAsGet = req.method === 'HEAD' && match !== undefined && ctx.operationId !== 'headDownloadFile';
    if (headAsGet) {
      req.method = 'GET';
      ctx.headAsGet = true;
    }
    const meta = match ? b.operations.get(match.template)?.get(req.method) : undefined;
    let stages = b.stages;
    if (meta) {
      // What eov's metadata middleware sets, from the route already matched (same route, same decoded params).
      const pathParams = { ...match!.params };
      const openapi: Record<string, unknown> = { expressRoute: meta.expressRoute, openApiRoute: meta.openApiRoute, pathParams, schema: meta.schema, serial: b.serial };
      if (meta.hasResponseSchema) openapi._responseSchema = meta.responseSchema;
      (req as Request & { openapi?: unknown }).openapi = openapi;
      req.params = pathParams;
    } else {
      stages = [b.metadata, ...b.stages];
    }
    runChain(stages, req, res, (err) => {
      if (headAsGet) req.method = 'HEAD';
      next(err ?? nonFiniteNumbers(req.query as Record<string, unknown>));
    });
  }

  return (req, res, next) => {
    if (built) return validate(built, req, res, next);
    ready.then((b) => validate(b, req, res, next), next);
  };
}
