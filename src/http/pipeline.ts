/**
 * Runs the request's named phases (src/app.ts) as ONE Express layer: `next()` is a counter and an array index,
 * where Express 5's router would re-parse and re-match the path, trim and restore `req.url`, and wrap every
 * call in a try/catch and a promise check for each of the ~15 stages.
 *
 * Semantics are the router's, for what the phases use: `next()` runs the following stage, `next(err)` refuses the
 * request, a thrown error or a rejected promise returned by a stage is `next(err)`, and a stage that answers
 * simply doesn't call `next`. A refusal skips the remaining stages, except a stage that also handles refusals
 * (`{ run, refused }`): the rate limiter charges every request, the refused ones too, and passes the refusal on
 * (or replaces it with its 429). Then the refusal leaves the sequence for the app's error middleware (the
 * `respond` phase). `next('route')`/`next('router')` are not used by any stage and are treated as errors would be.
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';

/** A stage that runs for every request, also for one an earlier stage refused. */
export interface ChargingStage {
  run: RequestHandler;
  /** Gets the refusal and passes it on with `next(err)` (the same one, or one that replaces it). */
  refused: ErrorRequestHandler;
}

export type Stage = RequestHandler | ChargingStage;

/** A phase of the request: a name (for people and profiles) and its stages, run in order. */
export interface Phase {
  name: string;
  stages: readonly Stage[];
}

export function phase(name: string, ...stages: Stage[]): Phase {
  return { name, stages };
}

/** Phases, stages, or lists of stages: all run in the order given. */
export function pipeline(steps: readonly (Stage | Phase | readonly Stage[])[]): RequestHandler {
  const flat: Stage[] = steps.flatMap((s) => (Array.isArray(s) ? s : 'stages' in s ? s.stages : [s]) as Stage[]);
  const n = flat.length;
  const thenable = (ret: unknown): ret is Promise<unknown> => ret !== undefined && ret !== null && typeof (ret as Promise<unknown>).then === 'function';
  return function runPipeline(req: Request, res: Response, done: NextFunction): void {
    let i = 0;
    let settled = false;
    let refused = false;
    const call = (fn: () => unknown, onError: (e: unknown) => void): void => {
      try {
        const ret = fn();
        if (thenable(ret)) ret.then(undefined, (e: unknown) => onError(e ?? new Error('rejected without a reason')));
      } catch (e) {
        onError(e ?? new Error('thrown without a reason'));
      }
    };
    // The refusal travels to the next stage that handles refusals, then out.
    const refuse = (err: unknown): void => {
      refused = true;
      while (i < n) {
        const stage = flat[i++]!;
        if (typeof stage === 'function') continue;
        let passed = false;
        const pass = (e?: unknown): void => {
          if (passed) return;
          passed = true;
          refuse(e ?? err);
        };
        call(() => stage.refused(err, req, res, pass), pass);
        return;
      }
      settled = true;
      done(err);
    };
    const next = (err?: unknown): void => {
      if (settled || refused) return;
      if (err !== undefined && err !== null) return refuse(err);
      if (i === n) {
        settled = true;
        done();
        return;
      }
      const stage = flat[i++]!;
      const run = typeof stage === 'function' ? stage : stage.run;
      call(() => run(req, res, next), next);
    };
    next();
  };
}
