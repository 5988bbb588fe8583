/**
 * Runs a fixed sequence of middlewares as ONE Express layer. Express 5's router does real work for every layer a
 * request passes (path re-parsing and matching, `req.url` trimming and restoring, a try/catch and a promise check
 * per call): with the pipeline's ~15 stages that was a measurable share of each request's CPU. Here `next()` is a
 * counter and an array index.
 *
 * Semantics are the router's, for what our stages use: `next()` runs the following stage, `next(err)` leaves the
 * sequence and hands the error to the app's error middlewares, a thrown error or a rejected promise returned by
 * a stage is `next(err)`, and a stage that answers simply doesn't call `next`. `next('route')`/`next('router')`
 * are not used by any stage and are treated as errors would be (they leave the sequence).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export function pipeline(stages: readonly (RequestHandler | readonly RequestHandler[])[]): RequestHandler {
  const flat: RequestHandler[] = stages.flat() as RequestHandler[];
  const n = flat.length;
  return function runPipeline(req: Request, res: Response, done: NextFunction): void {
    let i = 0;
    let settled = false;
    const next = (err?: unknown): void => {
      if (settled) return;
      if (err !== undefined && err !== null) {
        settled = true;
        done(err);
        return;
      }
      if (i === n) {
        settled = true;
        done();
        return;
      }
      const stage = flat[i++]!;
      try {
        const ret = stage(req, res, next) as unknown;
        if (ret !== undefined && typeof (ret as Promise<unknown>).then === 'function') {
          (ret as Promise<unknown>).then(undefined, (e: unknown) => next(e ?? new Error('rejected without a reason')));
        }
      } catch (e) {
        next(e ?? new Error('thrown without a reason'));
      }
    };
    next();
  };
}
