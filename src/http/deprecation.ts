/**
 * Deprecation and sunset from the contract (generated/operations.ts `deprecations`, written from `deprecated`,
 * `x-deprecated-at`, `x-sunset` and `x-deprecation-link`). For the matched operation, what applies to this request
 * — the operation itself, its deprecated fields (always: every answer may hold them), a deprecated parameter only
 * when the request uses it — adds to every answer, errors included:
 *   Deprecation: @<unix seconds>           RFC 9745, the earliest deprecation that applies
 *   Sunset: <HTTP-date>                    RFC 8594, the earliest sunset that applies
 *   Link: <…>; rel="deprecation"           RFC 9745 §3, one per distinct link
 * and is counted (operation, element). Once the operation's or a used parameter's sunset has passed, the answer
 * is 410 Gone (problem+json, naming the parameter) unless `PORTAL_SUNSET_GONE=false`.
 */
import type { RequestHandler } from 'express';
import type { DeprecationMark, OperationDeprecation, OperationId } from '../../generated/operations.js';
import { HttpProblem, type FieldError } from './problem.js';

export interface DeprecationOptions {
  table: Partial<Record<OperationId, OperationDeprecation>>;
  /** Answer 410 after a sunset (config `http.sunsetGone`). */
  gone: boolean;
  onUse?: (operation: string, element: string) => void;
  /** Unix milliseconds (tests). */
  now?: () => number;
}

const httpDate = (seconds: number) => new Date(seconds * 1000).toUTCString();

function gone(detail: string, errors: FieldError[]): HttpProblem {
  return new HttpProblem({ status: 410, type: 'gone', title: 'Gone', detail, errors: errors.length ? errors : undefined });
}

export function deprecationHeaders(opts: DeprecationOptions): RequestHandler {
  const now = opts.now ?? Date.now;
  return (req, res, next) => {
    const operationId = req.ctx.match?.operation.operationId;
    const d = operationId ? opts.table[operationId] : undefined;
    if (!d || !operationId) return next();
    const applied: [string, DeprecationMark][] = [];
    if (d.operation) applied.push(['operation', d.operation]);
    for (const p of d.parameters) {
      const used = p.in === 'query' ? req.query[p.name] !== undefined : p.in === 'header' ? req.headers[p.name.toLowerCase()] !== undefined : true;
      if (used) applied.push([`${p.in}:${p.name}`, p]);
    }
    for (const f of d.fields) applied.push([`field:${f.name}`, f]);
    if (applied.length === 0) return next();

    const marks = applied.map(([, m]) => m);
    res.setHeader('Deprecation', `@${Math.min(...marks.map((m) => m.deprecatedAt))}`);
    const sunsets = marks.flatMap((m) => (m.sunset === undefined ? [] : [m.sunset]));
    if (sunsets.length) res.setHeader('Sunset', httpDate(Math.min(...sunsets)));
    for (const link of new Set(marks.flatMap((m) => (m.link ? [m.link] : [])))) res.append('Link', `<${link}>; rel="deprecation"`);
    for (const [element] of applied) opts.onUse?.(operationId, element);

    if (!opts.gone) return next();
    const nowSeconds = now() / 1000;
    const past = applied.filter(([element, m]) => !element.startsWith('field:') && m.sunset !== undefined && m.sunset <= nowSeconds);
    if (past.length === 0) return next();
    const errors: FieldError[] = past
      .filter(([element]) => element !== 'operation')
      .map(([element, m]) => {
        const [location, ...name] = element.split(':');
        return { location: location as FieldError['location'], name: name.join(':'), message: `sunset on ${httpDate(m.sunset!)}` };
      });
    const whole = past.some(([element]) => element === 'operation');
    next(gone(whole ? `${operationId} was sunset on ${httpDate(d.operation!.sunset!)}.` : `${errors.map((e) => e.name).join(', ')}: sunset; send the request without ${errors.length === 1 ? 'it' : 'them'}.`, whole ? [] : errors));
  };
}
