/**
 * The contract's routes, matched once per request before anything else looks at it, so that every later stage
 * (auth, rate limits, validation, metrics, logs) knows the operation and its route template. Unknown paths → 404
 * problem; a known path with another method → 405 problem with `Allow`.
 */
import type { RequestHandler } from 'express';
import { operations, type OperationId } from '../../generated/operations.js';
import { problems } from './problem.js';

export interface RouteMatch {
  operationId: OperationId;
  template: string;
  params: Record<string, string>;
  scopes: readonly string[];
  public: boolean;
}

interface CompiledPath {
  template: string;
  regex: RegExp;
  names: string[];
  /** Upper-case method → operation. HEAD is served by GET's operation unless the spec names one. */
  byMethod: Map<string, (typeof operations)[OperationId]>;
}

function compile(): CompiledPath[] {
  const byTemplate = new Map<string, CompiledPath>();
  for (const op of Object.values(operations)) {
    let entry = byTemplate.get(op.path);
    if (!entry) {
      const names: string[] = [];
      const source = op.path
        .split('/')
        .map((seg) => {
          const m = /^\{(\w+)\}$/.exec(seg);
          if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(m[1]!);
          return '([^/]+)';
        })
        .join('/');
      entry = { template: op.path, regex: new RegExp(`^${source}/?$`), names, byMethod: new Map() };
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

const compiled = compile();

function allowedMethods(entry: CompiledPath): string[] {
  return [...entry.byMethod.keys(), 'OPTIONS'].sort();
}

/**
 * The path parameter that raw segment `index` of a path stands in for, when the path has the shape of one of the
 * contract's paths (same number of segments, every literal segment equal, a parameter at `index`); else
 * undefined. Lets a refusal before routing name the parameter it refused.
 */
export function pathParameterAt(segments: readonly string[], index: number): string | undefined {
  for (const entry of compiled) {
    const parts = entry.template.split('/').slice(1);
    if (parts.length !== segments.length) continue;
    if (!parts.every((part, i) => i === index || /^\{\w+\}$/.test(part) || part === segments[i])) continue;
    const m = /^\{(\w+)\}$/.exec(parts[index]!);
    if (m) return m[1];
  }
  return undefined;
}

/** Finds the path item for a raw path, or undefined. Throws a 400 problem on malformed percent-encoding. */
export function findPath(path: string): { entry: CompiledPath; params: Record<string, string> } | undefined {
  for (const entry of compiled) {
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
 * Matches the request to an operation and records it on `req.ctx`. OPTIONS never gets here: CORS answers
 * preflights and the method guard answers a plain OPTIONS.
 */
export function matchRoute(): RequestHandler {
  return (req, _res, next) => {
    const found = findPath(req.path);
    if (!found) {
      next(problems.notFound(`No resource at ${req.path}.`));
      return;
    }
    const op = found.entry.byMethod.get(req.method);
    if (!op) {
      next(problems.methodNotAllowed(allowedMethods(found.entry)));
      return;
    }
    req.ctx.route = found.entry.template;
    req.ctx.operationId = op.operationId;
    req.ctx.match = { operationId: op.operationId, template: found.entry.template, params: found.params, scopes: op.scopes, public: op.public };
    next();
  };
}
