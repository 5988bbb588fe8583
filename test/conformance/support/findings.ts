/**
 * Known findings: real differences between the contract and the running API that this suite found and reported,
 * not yet fixed by their owners. A violation a finding explains is counted under the finding's id (printed in
 * the case table) instead of failing the run; anything else still fails. Each finding carries a probe that
 * reproduces it, and findings.test.ts fails as soon as a probe stops reproducing — so a fixed finding must be
 * deleted here and the suite then holds the API to the contract for it. This list can only shrink.
 */
import type { Binding } from './discover.js';
import type { RawRequest } from './http.js';
import type { Operation } from './spec.js';
import { hygieneRejected, type Sent } from './sent.js';

export interface Finding {
  id: string;
  /** What differs, and who owns the fix. */
  summary: string;
  /** Whether this finding explains one violation of a judged answer. */
  explains(op: Operation, sent: Sent, violation: string): boolean;
  /** A request that shows the finding today. */
  probe: { operationId: string; request(b: Binding | undefined): RawRequest };
}


export const FINDINGS: Finding[] = [
  {
    id: 'hygiene-400-unnamed',
    summary:
      'The request-hygiene guard (src/security/method-guard.ts) refuses NUL anywhere and control characters, encoded slashes, ' +
      '`%25` or dot segments in the path with a 400 that names no parameter (no errors[]) and carries no RateLimit headers, ' +
      'because it runs before routing and the rate limiter. Fix: name the offending query parameter / path segment in errors[] ' +
      '(location, name) where it can, and send the RateLimit headers (security).',
    explains: (_op, sent, v) =>
      hygieneRejected(sent.target) && sent.answer.status === 400 && (/^400 does not name/.test(v) || /^header ratelimit(-policy)? is documented for 400 but missing$/.test(v)),
    probe: { operationId: 'listContacts', request: () => ({ method: 'GET', target: '/v1/contacts?q=a%00b' }) },
  },
];

/** Splits violations into those a known finding explains (by id) and the rest. */
export function triage(op: Operation, sent: Sent, violations: string[]): { unexplained: string[]; explainedBy: Set<string> } {
  const explainedBy = new Set<string>();
  const unexplained = violations.filter((v) => {
    const f = FINDINGS.find((x) => x.explains(op, sent, v));
    if (f) explainedBy.add(f.id);
    return !f;
  });
  return { unexplained, explainedBy };
}
