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

const signedQuery = (b: Binding | undefined) => new URLSearchParams(b?.query ?? {}).toString();

export const FINDINGS: Finding[] = [
  {
    id: 'health-400-undocumented',
    summary:
      'getHealth answers 400 (unknown query parameter) but the spec documents no 400 for it. Fix in openapi/openapi.yaml: add ' +
      "'400': { $ref: '#/components/responses/BadRequest' } to getHealth (lead).",
    explains: (op, sent, v) => op.operationId === 'getHealth' && sent.answer.status === 400 && /^status 400 is not documented/.test(v),
    probe: { operationId: 'getHealth', request: () => ({ method: 'GET', target: '/v1/health?foo=1' }) },
  },
  {
    id: 'download-media-type',
    summary:
      "downloadFile answers 200/206 with the file's own content type (text/csv, application/pdf, text/plain…), but the spec " +
      "documents only application/octet-stream. Fix in openapi/openapi.yaml: document the bytes as '*/*' (or list the types) (lead).",
    explains: (op, sent, v) => op.operationId === 'downloadFile' && [200, 206].includes(sent.answer.status) && /^content-type \S+ is not documented for 20[06]/.test(v),
    probe: {
      operationId: 'downloadFile',
      request: (b) => ({ method: 'GET', target: `/v1/downloads/${b?.path.fileId}?${signedQuery(b)}` }),
    },
  },
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
  {
    id: 'integer-infinity-accepted',
    summary:
      'An integer query parameter that reads as an infinite number (`limit=Infinity`, `expires=-Infinity`, `limit=1e400`) ' +
      'passes request validation (the validator coerces it to ±Infinity, which its integer and range checks let through) ' +
      'and reaches the handler: for `limit`, SQLite throws "datatype mismatch" and the client gets 500 (or 404 on a job\'s ' +
      'files); for the signed URL\'s `expires`, 403. Fix: refuse non-finite numbers in request validation ' +
      '(src/http/validator.ts, e.g. a Number.isSafeInteger check on integer parameters), answering 400 naming the parameter (lead).',
    explains: (op, sent, v) => {
      const query = new URLSearchParams(sent.target.split('?')[1] ?? '');
      const integers = op.parameters.filter((p) => p.in === 'query' && p.schema.type === 'integer').map((p) => p.name);
      const infinite = integers.some((n) => query.getAll(n).some((x) => Math.abs(Number(x)) === Infinity));
      return infinite && sent.answer.status !== 400 && (/^500: a server error/.test(v) || /expected 400 problem\+json, got \d+$/.test(v));
    },
    probe: { operationId: 'listContacts', request: () => ({ method: 'GET', target: '/v1/contacts?limit=Infinity' }) },
  },
  {
    id: 'problem-instance-not-uri',
    summary:
      'For a path with broken percent-encoding (`/v1/jobs/job_…%ZZ`), the problem\'s `instance` echoes the raw path, which is ' +
      'not a `uri-reference` as the Problem schema requires. Fix in src/http/errors.ts: re-encode the path for `instance` ' +
      '(e.g. replace `%` not followed by two hex digits with `%25`) (lead).',
    explains: (_op, sent, v) => /%(?![0-9a-f]{2})/i.test(sent.target.split('?')[0]!) && /^body \/instance must match format "uri-reference"/.test(v),
    probe: { operationId: 'getJob', request: () => ({ method: 'GET', target: '/v1/jobs/job_rEtmlsUiFXtcDfBCtUFAIp%ZZ' }) },
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
