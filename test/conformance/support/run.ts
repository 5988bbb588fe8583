/**
 * Runs generated cases against the live server and judges each answer: the contract check (check.ts) plus what
 * the verdict demands (valid → never 400 or 5xx; invalid → 400 problem+json naming every broken parameter;
 * everything → never 5xx). fast-check drives it with a seed, so a failure prints the seed, the replay path and
 * the raw request; `FC_SEED=<seed>` replays the whole run.
 */
import fc from 'fast-check';
import { checkAnswer } from './check.js';
import { invalidCase, validCase, verdict, type Case, type OpInputs, type Verdict } from './cases.js';
import { enc, queryString, send } from './http.js';
import { hygieneRejected, type Sent } from './sent.js';
import { maxTargetLength, type Operation } from './spec.js';

export interface RunContext {
  url: string;
  /** Bearer token for protected operations. */
  token: string;
  /** operationId → label → count of requests judged. */
  counts: Map<string, Map<string, number>>;
  /** operationId → status → how many answers had it (which documented responses the run exercised). */
  statuses?: Map<string, Map<number, number>>;
}

export function count(ctx: RunContext, operationId: string, label: string): void {
  const byLabel = ctx.counts.get(operationId) ?? new Map<string, number>();
  ctx.counts.set(operationId, byLabel);
  byLabel.set(label, (byLabel.get(label) ?? 0) + 1);
}

export { hygieneRejected, type Sent };

function buildTarget(op: Operation, c: Case, extra: [string, string][] = []): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_m, n: string) => c.path[n] ?? '');
  return path + queryString([...c.query, ...extra]);
}

function authHeaders(op: Operation, token: string | undefined): Record<string, string> {
  return !op.public && token ? { Authorization: `Bearer ${token}` } : {};
}

/** Sends a case, first fetching the real cursor / ETag it asks for (those first answers are judged too). */
export async function execute(ctx: RunContext, op: Operation, c: Case): Promise<{ final: Sent; before: Sent[] }> {
  const method = op.method === 'head' ? 'HEAD' : 'GET';
  const auth = authHeaders(op, ctx.token);
  const before: Sent[] = [];
  const extra: [string, string][] = [];
  const headers = { ...auth, ...c.headers };
  if (c.dynamic.some((d) => d.kind === 'real-cursor')) {
    const target = buildTarget(op, c);
    const answer = await send(ctx.url, { method: 'GET', target, headers: { ...auth } });
    before.push({ method: 'GET', target, headers: auth, answer });
    if (answer.status === 200) {
      const next = (JSON.parse(answer.body.toString('utf8')) as { nextCursor?: unknown }).nextCursor;
      if (typeof next === 'string') extra.push(['cursor', enc(next)]);
    }
  }
  const etag = c.dynamic.find((d) => d.kind === 'real-etag');
  if (etag) {
    const target = buildTarget(op, c, extra);
    const answer = await send(ctx.url, { method, target, headers: { ...auth } });
    before.push({ method, target, headers: auth, answer });
    const tag = answer.headers.etag;
    if (typeof tag === 'string') headers[etag.param] = tag;
  }
  const target = buildTarget(op, c, extra);
  const answer = await send(ctx.url, { method, target, headers });
  return { final: { method, target, headers, answer }, before };
}

/** Everything wrong with one answer, given what the spec says the request deserves. */
export function judge(op: Operation, v: Verdict, sent: Sent, query: [string, string][] = []): string[] {
  const { answer } = sent;
  // Only a HEAD answer has no body (a POST probing 405 on a HEAD operation's path gets one).
  const checked = checkAnswer(op, answer, sent.method === 'HEAD' ? 'head' : 'get');
  const out = [...checked.violations];
  if (answer.status >= 500) out.push(`${answer.status}: a server error is never an answer to a client's request`);
  const isProblem = /^application\/problem\+json/.test(String(answer.headers['content-type']));
  let problem: { errors?: { name?: string; location?: string }[] } | undefined;
  if (isProblem && sent.method !== 'HEAD') {
    try {
      problem = JSON.parse(answer.body.toString('utf8')) as typeof problem;
    } catch {
      out.push('problem+json body is not JSON');
    }
  }
  // `cursor[]=` is read as the array form of `cursor` by common parsers; naming either is naming it.
  const named = (p: { name: string; in: string }) =>
    (problem?.errors ?? []).some((e) => [p.name, p.name.replace(/\[\]$/, '')].some((n) => e.name?.toLowerCase() === n.toLowerCase()) && e.location === p.in);
  const nameCheck = (params: { name: string; in: string }[]) => {
    if (sent.method === 'HEAD') return; // a HEAD answer has no body to name anything in
    for (const p of params.filter((x) => !named(x))) out.push(`400 does not name the ${p.in} parameter ${p.name} in errors[]: ${JSON.stringify(problem?.errors ?? [])}`);
  };
  // A target over the documented length is refused before anything in it is read.
  const maxTarget = maxTargetLength(op);
  if (maxTarget !== undefined && sent.target.length > maxTarget) {
    if (answer.status !== 414 || !isProblem) out.push(`a ${sent.target.length}-character target (limit ${maxTarget}) must get 414 problem+json, got ${answer.status}`);
    return out;
  }
  if (hygieneRejected(sent.target)) {
    if (answer.status !== 400 || !isProblem) out.push(`a request refused for hygiene (NUL, encoded slash…) must get 400 problem+json, got ${answer.status}`);
    else if (v.kind === 'invalid') nameCheck(v.params);
    return out;
  }
  if (v.kind === 'invalid') {
    if (answer.status !== 400 || !isProblem) out.push(`invalid ${v.params.map((p) => `${p.in} ${p.name}`).join(', ')}: expected 400 problem+json, got ${answer.status}`);
    else nameCheck(v.params);
  } else if (v.kind === 'either') {
    if (answer.status === 400) nameCheck(v.params);
  } else {
    if (answer.status === 400) out.push(`a valid request was refused: ${answer.body.toString('utf8').slice(0, 300)}`);
    const limit = query.find(([k]) => k === 'limit')?.[1];
    const data = (checked.json as { data?: unknown[] } | undefined)?.data;
    if (limit && Array.isArray(data) && /^\d+$/.test(limit) && data.length > Number(limit)) out.push(`limit=${limit} but the page holds ${data.length} items`);
  }
  return out;
}

function describe(s: Sent): string {
  const shown = Object.fromEntries(Object.entries(s.headers).map(([k, v]) => [k, k.toLowerCase() === 'authorization' ? 'Bearer <token>' : v]));
  return `${s.method} ${s.target} ${JSON.stringify(shown)} → ${s.answer.status} ${String(s.answer.headers['content-type'] ?? '')} ${s.answer.body.toString('utf8').slice(0, 300)}`;
}

/** Sends one case and throws (with the raw request and every violation) when the answer does not conform. */
export async function runCase(ctx: RunContext, op: Operation, c: Case): Promise<void> {
  const { final, before } = await execute(ctx, op, c);
  const problems: string[] = [];
  const record = (sent: Sent, issues: string[]) => {
    if (ctx.statuses) {
      const byStatus = ctx.statuses.get(op.operationId) ?? new Map<number, number>();
      ctx.statuses.set(op.operationId, byStatus);
      byStatus.set(sent.answer.status, (byStatus.get(sent.answer.status) ?? 0) + 1);
    }
    if (issues.length) problems.push(`${describe(sent)}\n    - ${issues.join('\n    - ')}`);
  };
  // A setup request (the first page for a cursor, the answer for an ETag) is the case without its run-time values.
  const setup = verdict(op, { ...c, dynamic: [] });
  for (const b of before) {
    count(ctx, op.operationId, `${setup.kind} (setup)`);
    record(b, judge(op, setup, b));
  }
  const v = verdict(op, c);
  count(ctx, op.operationId, v.kind === 'valid' && c.kind === 'invalid' ? `${c.label} (stayed valid)` : c.label);
  record(final, judge(op, v, final, c.query));
  if (problems.length) throw new Error(`${op.operationId} [${c.label}, oracle: ${v.kind}]\n  ${problems.join('\n  ')}`);
}

export interface PropertyOptions {
  numRuns: number;
  seed: number;
}

/** The property for one operation and kind of case; resolves, or rejects with fast-check's reproducible report. */
export async function checkOperation(ctx: RunContext, inputs: OpInputs, kind: 'valid' | 'invalid', opts: PropertyOptions): Promise<void> {
  const arb = kind === 'valid' ? validCase(inputs) : invalidCase(inputs);
  await fc.assert(
    fc.asyncProperty(arb, (c) => runCase(ctx, inputs.op, c)),
    { numRuns: opts.numRuns, seed: opts.seed, verbose: 0, endOnFailure: false },
  );
}
