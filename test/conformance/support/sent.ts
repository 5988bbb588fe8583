/** A request as sent with its answer, and the request-hygiene rule the judge applies. */
import type { Answer } from './check.js';

export interface Sent {
  method: string;
  target: string;
  headers: Record<string, string>;
  answer: Answer;
}

/**
 * Request hygiene the API applies before routing, stated in the spec's terms: NUL anywhere, and encoded slashes,
 * backslashes, `%25`, control characters, dot segments, empty segments or broken percent-encoding in the path, are
 * refused with 400 whatever the parameters (none of them can be part of a valid id). The judge expects exactly
 * that 400 for these requests (the spec's BadRequest), naming each refused parameter in errors[].
 */
export function hygieneRejected(target: string): boolean {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  if (/%00/i.test(target)) return true;
  if (/%2f|%5c|%25|\\/i.test(path) || path.includes('//')) return true;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return true;
  }
  // eslint-disable-next-line no-control-regex
  return decoded.split('/').some((seg) => seg === '.' || seg === '..') || /[\x00-\x1f\x7f]/.test(decoded);
}
