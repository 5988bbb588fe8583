/**
 * The contract's routes: which operation a request is for, matched once, before anything else looks at it, so
 * that every later phase (authentication, rate limits, validation, metrics, logs) reads the operation's facts from
 * generated/operations.ts through `req.ctx.match`. Unknown paths → 404 problem; a known path with another method
 * → 405 problem with `Allow`. Also answers which operation a path merely has the shape of, for refusals that
 * come before routing.
 */
import type { RequestHandler } from 'express';
import { operations, type Operation } from '../../generated/operations.js';
import { problems } from './problem.js';

export interface RouteMatch {
  /** The operation, with what the contract says about it (public, scopes, rate limit, caching). */
  operation: Operation;
  /** The spec's path template (`/v1/jobs/{jobId}`), for metrics, logs and spans. */
  template: string;
  /** Decoded path parameters. */
  params: Record<string, string>;
}

interface CompiledPath {
  template: string;
  regex: RegExp;
  names: string[];
  /** The template's segments after the leading `/`; `null` where a parameter stands. */
  literals: (string | null)[];
  /** Upper-case method → operation. HEAD is served by GET's operation unless the spec names one. */
  byMethod: Map<string, Operation>;
}

function compile(): CompiledPath[] {
  const byTemplate = new Map<string, CompiledPath>();
  for (const op of Object.values(operations) as Operation[]) {
    let entry = byTemplate.get(op.path);
    if (!entry) {
      const names: string[] = [];
      const literals: (string | null)[] = [];
      const source = op.path
        .split('/')
        .map((seg, i) => {
          const m = /^\{(\w+)\}$/.exec(seg);
          if (i > 0) literals.push(m ? null : seg);
          if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(m[1]!);
          return '([^/]+)';
        })
        .join('/');
      entry = { template: op.path, regex: new RegExp(`^${source}/?$`), names, literals, byMethod: new Map() };
      byTemplate.set(op.path, entry);
    }
    entry.byMethod.set(op.method.toUpperCase(), op);
  }
  for (const entry of byTemplate.values()) {
    const get = entry.byMethod.get('GET');
    if (get && !entry.byMethod.has('HEAD')) entry.byMethod.set('HEAD', get);
  }
  return [...byTemplate.values()];
}

let compiledPaths: CompiledPath[] | undefined;
/** Compiled on first use, not at import. */
const compiled = (): CompiledPath[] => (compiledPaths ??= compile());

function allowedMethods(entry: CompiledPath): string[] {
  return [...entry.byMethod.keys(), 'OPTIONS'].sort();
}

/**
 * The contract path a raw path has the shape of (same number of segments, every literal segment equal), whatever
 * its parameters hold: lets a refusal before routing name the parameter it refused and charge the right limiter.
 */
function shapedLike(segments: readonly string[], skip?: number): CompiledPath[] {
  return compiled().filter((e) => e.literals.length === segments.length && e.literals.every((lit, i) => i === skip || lit === null || lit === segments[i]));
}

/** The path parameter that raw segment `index` of a path stands in for, when the path has a contract path's shape. */
export function pathParameterAt(segments: readonly string[], index: number): string | undefined {
  const entry = shapedLike(segments, index).find((e) => e.literals[index] === null);
  return entry?.names[entry.literals.slice(0, index).filter((l) => l === null).length];
}

/** The operations of the contract path a raw path has the shape of (a trailing `/` ignored); [] for none. */
export function operationsShapedLike(path: string): Operation[] {
  const segments = path.split('?', 1)[0]!.replace(/(.)\/$/, '$1').split('/').slice(1);
  const entry = shapedLike(segments)[0];
  return entry ? [...new Set(entry.byMethod.values())] : [];
}

/** Finds the path item for a raw path, or undefined. Throws a 400 problem on malformed percent-encoding. */
export function findPath(path: string): { entry: CompiledPath; params: Record<string, string> } | undefined {
  for (const entry of compiled()) {
    const m = entry.regex.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    entry.names.forEach((name, i) => {
      try {
        params[name] = decodeURIComponent(m[i + 1]!);
      } catch {
        throw problems.badRequest(`The path parameter ${name} is not valid percent-encoding.`, [
          { location: 'path', name, message: 'malformed percent-encoding' },
        ]);
      }
    });
    return { entry, params };
  }
  return undefined;
}

/**
 * The `route` phase: matches the request to an operation and records it as `req.ctx.match`. OPTIONS never gets
 * here: CORS answers preflights and the method guard answers a plain OPTIONS.
 */
export function matchRoute(): RequestHandler {
  return (req, _res, next) => {
    const found = findPath(req.path);
    if (!found) {
      next(problems.notFound(`No resource at ${req.path}.`));
      return;
    }
    const operation = found.entry.byMethod.get(req.method);
    if (!operation) {
      next(problems.methodNotAllowed(allowedMethods(found.entry)));
      return;
    }
    req.ctx.match = { operation, template: found.entry.template, params: found.params };
    next();
  };
}
