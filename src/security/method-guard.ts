/**
 * Request hygiene before routing: the API is read-only, so only GET/HEAD/OPTIONS and no bodies; and the raw path
 * is checked before Express decodes it, so traversal tricks (`..`, encoded slashes and backslashes, double
 * encoding, NUL) never reach a route, a parameter or a store. The spec's per-parameter patterns (validator) are
 * the second line; this is the first, and it answers 400 rather than letting a decoded `..` match a route.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpProblem, problems, type FieldError } from '../http/problem.js';
import { ALLOWED_METHODS } from '../http/methods.js';
import { pathParameterAt } from '../http/routes.js';

export const DEFAULT_MAX_URL_LENGTH = 2048;

export interface MethodGuardOptions {
  /** Longest accepted request target (path + query), in characters. */
  maxUrlLength?: number;
}

function uriTooLong(max: number): HttpProblem {
  return new HttpProblem({ status: 414, type: 'uri-too-long', title: 'URI too long', detail: `Request targets are limited to ${max} characters.` });
}

/**
 * A request target that is clean at a glance: `/`-separated segments of unreserved word characters (so no dot
 * segments, no empty segments, no percent-encoding, no control characters in the path), and a query without `%`
 * or NUL. Almost every API request is one; the others take the full checks below.
 */
const PLAINLY_CLEAN = /^(?:\/[\w~-]+)+\/?(?:\?[^%\0]*)?$/;

/** Why a raw request path is refused, or null when it is clean. */
export function pathProblem(rawUrl: string): string | null {
  return PLAINLY_CLEAN.test(rawUrl) ? null : pathProblemChecked(rawUrl);
}

const decodes = (seg: string): string | undefined => {
  try {
    return decodeURIComponent(seg);
  } catch {
    return undefined;
  }
};

/**
 * The rules for a raw path segment, in the order a path is judged (a path takes the message of the first rule any
 * of its segments breaks). `last`: the final segment, which may be empty (a trailing slash is routing).
 */
const SEGMENT_RULES: { message: string; breaks: (seg: string, last: boolean) => boolean }[] = [
  { message: 'Backslashes are not allowed in the path.', breaks: (seg) => seg.includes('\\') || /%5c/i.test(seg) },
  { message: 'Encoded slashes are not allowed in the path.', breaks: (seg) => /%2f/i.test(seg) },
  // No API path needs a literal `%`; refusing `%25` stops double-encoded payloads from surviving one decode.
  { message: 'Double-encoded characters are not allowed in the path.', breaks: (seg) => /%25/.test(seg) },
  { message: 'The path is not valid percent-encoding.', breaks: (seg) => decodes(seg) === undefined },
  { message: 'Dot segments are not allowed in the path.', breaks: (seg) => decodes(seg) === '.' || decodes(seg) === '..' },
  // Control characters (CR/LF header splitting, ESC…) have no place in a path.
  { message: 'Control characters are not allowed in the path.', breaks: (seg) => [...(decodes(seg) ?? '')].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) },
  { message: 'Empty path segments are not allowed.', breaks: (seg, last) => seg === '' && !last },
];

// NUL anywhere, query included: PostgreSQL refuses it in text, and no legitimate value holds it.
const hasNul = (s: string): boolean => s.includes('\0') || /%00/i.test(s);

/** The full checks, for targets that are not plainly clean (exported so a test can hold the fast path to them). */
export function pathProblemChecked(rawUrl: string): string | null {
  const q = rawUrl.indexOf('?');
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  if (hasNul(rawUrl)) return 'NUL bytes are not allowed.';
  if (!path.startsWith('/')) return 'The path must be absolute.';
  const segments = path.split('/').slice(1);
  const rule = SEGMENT_RULES.find((r) => segments.some((seg, i) => r.breaks(seg, i === segments.length - 1)));
  return rule?.message ?? null;
}

/** Why one raw path segment is refused, or null (the same rules as pathProblemChecked, one segment at a time). */
function segmentProblem(seg: string, last: boolean): string | null {
  if (hasNul(seg)) return 'NUL bytes are not allowed.';
  return SEGMENT_RULES.find((r) => r.breaks(seg, last))?.message ?? null;
}

/** A name fit for a problem body and a log line: decoded when possible, control characters shown as U+FFFD. */
function printable(raw: string, decode: (s: string) => string): string {
  let name = raw;
  try {
    name = decode(raw);
  } catch {
    // keep it as sent
  }
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\x00-\x1f\x7f]/g, '\ufffd').slice(0, 200);
}

/**
 * What a refused target holds, for `errors[]`: each refused path segment, named after the path parameter it
 * stands in for when the path has the shape of an operation's (`/v1/jobs/..%2Fx` → `jobId`), else as sent; and
 * each query parameter whose name or value holds NUL. Only computed for targets already refused.
 */
export function refusedParts(rawUrl: string): FieldError[] {
  const q = rawUrl.indexOf('?');
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const out: FieldError[] = [];
  const segments = path.split('/').slice(1);
  segments.forEach((seg, i) => {
    // A trailing slash is routing (`/v1/contacts/` is the list), not an empty segment.
    const message = segmentProblem(seg, i === segments.length - 1);
    if (message) out.push({ location: 'path', name: pathParameterAt(segments, i) ?? printable(seg, decodeURIComponent), message });
  });
  if (q !== -1) {
    for (const pair of rawUrl.slice(q + 1).split('&')) {
      if (!hasNul(pair)) continue;
      const key = pair.split('=')[0]!;
      out.push({ location: 'query', name: printable(key, (s) => decodeURIComponent(s.replace(/\+/g, ' '))), message: 'NUL bytes are not allowed.' });
    }
  }
  return out.slice(0, 50);
}

export function createMethodGuard(opts: MethodGuardOptions = {}): RequestHandler {
  const maxUrl = opts.maxUrlLength ?? DEFAULT_MAX_URL_LENGTH;
  return function methodGuard(req: Request, res: Response, next: NextFunction): void {
    const raw = req.originalUrl;
    if (raw.length > maxUrl) return next(uriTooLong(maxUrl));
    const bad = pathProblem(raw);
    if (bad) return next(problems.badRequest(bad, refusedParts(raw)));
    if (!ALLOWED_METHODS.includes(req.method)) return next(problems.methodNotAllowed(ALLOWED_METHODS));
    const length = req.headers['content-length'];
    if (req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')) {
      return next(problems.badRequest('Request bodies are not accepted: this API is read-only.'));
    }
    // A plain OPTIONS (not a CORS preflight, which the CORS layer already answered) lists the methods.
    if (req.method === 'OPTIONS') {
      res.set('Allow', ALLOWED_METHODS.join(', ')).status(204).end();
      return;
    }
    next();
  };
}
