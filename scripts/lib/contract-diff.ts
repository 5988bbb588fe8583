/**
 * What changed in the contract between two specs, per operation, and the semver level it needs — from Optic's
 * diff (offline, telemetry off), not a differ of our own:
 *   `optic diff base head --json`   the changes, per operation (added, removed, changed: parameters, responses,
 *                                    headers, body properties, attributes such as `deprecated`)
 *   `optic diff base head --check`  the breaking-change rules; each "This is a breaking change." line is kept
 *                                    under its operation, and a failed check makes the change major
 * The deprecation marks (x-deprecated-at, x-sunset, x-deprecation-link) of the operations Optic reports changed are
 * read from both specs (scripts/lib/deprecation.ts) to say what was deprecated, since when and until when.
 *
 * Levels: breaking → major; anything else in an operation that is not documentation (a new operation, parameter,
 * response, header or property, a narrower answer, a deprecation) → minor; documentation only → patch.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { deprecationsOf, type DeprecationMark, type OperationDeprecation } from './deprecation.js';
import { HTTP_METHODS, ROOT, type SpecDoc } from './spec.js';

export type Level = 'major' | 'minor' | 'patch' | 'none';
export const LEVEL_RANK: Record<Level, number> = { none: 0, patch: 1, minor: 2, major: 3 };

export interface OperationChange {
  /** `GET /v1/jobs/{jobId}` */
  operation: string;
  operationId?: string;
  change: 'added' | 'removed' | 'changed';
  /** What changed that is not documentation, one line each. */
  details: string[];
  /** New deprecations, one line each. */
  deprecated: string[];
  /** Optic's breaking-change findings for this operation. */
  breaking: string[];
  /** Only descriptions, summaries or examples changed. */
  docsOnly: boolean;
}

export interface ContractDiff {
  baseVersion: string;
  headVersion: string;
  level: Level;
  breaking: boolean;
  operations: OperationChange[];
  /** The specs differ outside any operation (info, servers, unused components). */
  otherChanges: boolean;
}

interface OpticAttribute {
  key: string;
  change: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}
interface OpticNode {
  name: string;
  change: 'added' | 'removed' | 'changed';
  attributes?: OpticAttribute[];
  parameters?: OpticNode[];
  responses?: OpticNode[];
  contentTypes?: OpticNode[];
  headers?: OpticNode[];
}

const OPTIC = path.join(ROOT, 'node_modules/@useoptic/optic/build/index.js');

function optic(base: string, head: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  // Optic writes ci-run-details.json into its working directory under CI: keep that out of the tree.
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'portal-optic-'));
  try {
    const run = spawnSync(process.execPath, [OPTIC, 'diff', path.resolve(base), path.resolve(head), ...args], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, OPTIC_TELEMETRY_LEVEL: 'off', NO_COLOR: '1' },
      timeout: 180_000,
      maxBuffer: 256 * 1024 * 1024,
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

const DOC_KEY = /(^|\/)(description|summary|example|examples)(\/|$)/;
const LIFECYCLE_KEY = /(^|\/)(deprecated|x-deprecated-at|x-sunset|x-deprecation-link)$/;

/** `query parameter 'q'` → `query parameter \`q\``; `200 response` stays. */
const named = (name: string) => name.replace(/'([^']+)'/g, '`$1`');

/** A body attribute key `/schema/properties/data/items/properties/role` → `data[].role`. */
function propertyPath(key: string): string {
  return key
    .replace(/^\/schema/, '')
    .replace(/\/items/g, '[]')
    .replace(/\/properties\//g, '.')
    .replace(/^\./, '');
}

function describeAttributes(attrs: OpticAttribute[] = []): string[] {
  const details: string[] = [];
  for (const a of attrs) {
    if (DOC_KEY.test(a.key) || LIFECYCLE_KEY.test(a.key)) continue;
    if (a.key.startsWith('/schema/properties') || a.key.startsWith('/schema/items')) {
      // A property whose only change is its description or deprecation is documentation here.
      if (a.change === 'changed' && isDocOnlyChange(a.before, a.after)) continue;
      details.push(`\`${propertyPath(a.key)}\` ${a.change}`);
    } else {
      details.push(`${a.key === '' ? '' : `${a.key.replace(/^\//, '')} `}${a.change}`);
    }
  }
  return details;
}

/** Two schema nodes that differ only in documentation and lifecycle keywords, at any depth. */
function isDocOnlyChange(before: unknown, after: unknown): boolean {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([k]) => !DOC_KEY.test(k) && !LIFECYCLE_KEY.test(k))
        .map(([k, x]) => [k, strip(x)]),
    );
  };
  return JSON.stringify(strip(before)) === JSON.stringify(strip(after));
}

/** One line per parameter or response: `200 response: header \`ETag\` (schema/pattern added); body \`role\` removed`. */
function describeNode(node: OpticNode): string[] {
  const label = named(node.name);
  if (node.change === 'added' || node.change === 'removed') return [`${label} ${node.change}`];
  const parts = describeAttributes(node.attributes);
  for (const child of node.headers ?? []) {
    const header = `header \`${child.name.replace(/^response header /, '')}\``;
    if (child.change === 'added' || child.change === 'removed') parts.push(`${header} ${child.change}`);
    else {
      const inner = describeAttributes(child.attributes);
      if (inner.length) parts.push(`${header} (${inner.join(', ')})`);
    }
  }
  for (const child of node.contentTypes ?? []) {
    if (child.change === 'added' || child.change === 'removed') parts.push(`body ${child.name} ${child.change}`);
    else {
      const inner = describeAttributes(child.attributes);
      if (inner.length) parts.push(`body ${inner.join(', ')}`);
    }
  }
  return parts.length ? [`${label}: ${parts.join('; ')}`] : [];
}

const day = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);
function markText(m: DeprecationMark): string {
  return `deprecated since ${day(m.deprecatedAt)}${m.sunset !== undefined ? `, sunset on ${day(m.sunset)} (then 410 Gone)` : ''}${m.link ? ` — ${m.link}` : ''}`;
}

/** The deprecations of `head` that `base` did not have, for one operation. */
function newDeprecations(base: OperationDeprecation | undefined, head: OperationDeprecation | undefined): string[] {
  if (!head) return [];
  const out: string[] = [];
  const same = (a?: DeprecationMark, b?: DeprecationMark) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (head.operation && !same(base?.operation, head.operation)) out.push(`the operation: ${markText(head.operation)}`);
  for (const p of head.parameters) {
    const before = base?.parameters.find((x) => x.in === p.in && x.name === p.name);
    if (!same(before && { deprecatedAt: before.deprecatedAt, sunset: before.sunset, link: before.link }, { deprecatedAt: p.deprecatedAt, sunset: p.sunset, link: p.link })) {
      out.push(`${p.in} parameter \`${p.name}\`: ${markText(p)}`);
    }
  }
  for (const f of head.fields) {
    const before = base?.fields.find((x) => x.name === f.name);
    if (!same(before && { deprecatedAt: before.deprecatedAt, sunset: before.sunset, link: before.link }, { deprecatedAt: f.deprecatedAt, sunset: f.sunset, link: f.link })) {
      out.push(`field \`${f.name}\` in its answers: ${markText(f)}`);
    }
  }
  return out;
}

function operationIdOf(spec: SpecDoc, operation: string): string | undefined {
  const [method, p] = operation.split(' ') as [string, string];
  return spec.paths?.[p]?.[method.toLowerCase()]?.operationId;
}

/** Optic's `--check` text: each breaking finding under the operation line it belongs to. */
function breakingByOperation(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  const methods = HTTP_METHODS.map((m) => m.toUpperCase()).join('|');
  for (const line of text.split('\n')) {
    const op = new RegExp(`^\\S+ ((?:${methods}) \\S+):`).exec(line);
    if (op) current = op[1]!;
    const finding = /\[[^\]]+\] (.*This is a breaking change\.)/.exec(line);
    if (finding) out.set(current || 'the specification', [...(out.get(current || 'the specification') ?? []), finding[1]!.replace(/ This is a breaking change\.$/, '')]);
  }
  return out;
}

const withoutVersion = (spec: SpecDoc) => JSON.stringify({ ...spec, info: { ...spec.info, version: undefined } });

export function readYaml(file: string): SpecDoc {
  return YAML.parse(readFileSync(file, 'utf8')) as SpecDoc;
}

/** Optic's diff of two contract files, grouped per operation, with the semver level it needs. */
export function diffContract(baseFile: string, headFile: string): ContractDiff {
  const base = readYaml(baseFile);
  const head = readYaml(headFile);
  const json = optic(baseFile, headFile, ['--json', '--check']);
  let changes: { operations: (OpticNode & { attributes?: OpticAttribute[] })[] };
  try {
    changes = JSON.parse(json.stdout) as typeof changes;
  } catch {
    throw new Error(`optic diff --json failed:\n${json.stdout}${json.stderr}`.slice(0, 4000));
  }
  const check = optic(baseFile, headFile, ['--check']);
  const breaking = check.status !== 0;
  const findings = breakingByOperation(check.stdout + check.stderr);
  const baseDeprecations = deprecationsOf(base);
  const headDeprecations = deprecationsOf(head);

  const operations: OperationChange[] = changes.operations.map((op) => {
    const operationId = operationIdOf(op.change === 'removed' ? base : head, op.name);
    const details: string[] = [];
    if (op.change === 'changed') {
      details.push(...describeAttributes(op.attributes).map((d) => `operation ${d}`));
      for (const node of [...(op.parameters ?? []), ...(op.responses ?? [])]) details.push(...describeNode(node));
    }
    const deprecated = op.change === 'changed' && operationId ? newDeprecations(baseDeprecations[operationId], headDeprecations[operationId]) : [];
    const docsOnly = op.change === 'changed' && details.length === 0 && deprecated.length === 0;
    return { operation: op.name, operationId, change: op.change, details, deprecated, breaking: findings.get(op.name) ?? [], docsOnly };
  });
  const otherChanges = withoutVersion(base) !== withoutVersion(head);
  const level: Level = breaking
    ? 'major'
    : operations.some((o) => !o.docsOnly)
      ? 'minor'
      : operations.length > 0 || otherChanges
        ? 'patch'
        : 'none';
  return { baseVersion: String(base.info?.version ?? ''), headVersion: String(head.info?.version ?? ''), level, breaking, operations, otherChanges };
}

const entry = (o: OperationChange) => `\`${o.operation}\`${o.operationId ? ` (\`${o.operationId}\`)` : ''}`;

/** The changelog section of a release (or of the unreleased changes): per operation, added/changed/deprecated/removed. */
export function renderChangelog(diff: ContractDiff, opts: { version: string; date: string; baseline: string }): string {
  const lines = [`## ${opts.version} — ${opts.date}`, ''];
  const why = { major: 'breaking changes', minor: 'additions or deprecations, nothing breaking', patch: 'documentation only', none: 'no change' }[diff.level];
  lines.push(`Compared with ${diff.baseVersion} (\`${opts.baseline}\`): a **${diff.level}** release (${why}).`, '');
  const section = (title: string, items: string[]) => {
    if (items.length === 0) return;
    lines.push(`### ${title}`, '', ...items, '');
  };
  const sub = (xs: string[]) => xs.map((x) => `  - ${x}`);
  section(
    'Added',
    diff.operations.filter((o) => o.change === 'added').map((o) => `- ${entry(o)}`),
  );
  section(
    'Changed',
    diff.operations
      .filter((o) => o.change === 'changed' && o.details.length > 0)
      .flatMap((o) => [`- ${entry(o)}`, ...sub(o.details)]),
  );
  section(
    'Deprecated',
    diff.operations.filter((o) => o.deprecated.length > 0).flatMap((o) => [`- ${entry(o)}`, ...sub(o.deprecated)]),
  );
  section(
    'Removed',
    diff.operations.filter((o) => o.change === 'removed').map((o) => `- ${entry(o)}`),
  );
  section(
    'Breaking (Optic)',
    diff.operations.filter((o) => o.breaking.length > 0).flatMap((o) => [`- ${entry(o)}`, ...sub([...new Set(o.breaking)])]),
  );
  const docs = diff.operations.filter((o) => o.change === 'changed' && o.docsOnly && o.deprecated.length === 0);
  if (docs.length) section('Documentation', [`- descriptions or examples of ${docs.map(entry).join(', ')}`]);
  return lines.join('\n');
}

/** `v1.2.3.yaml` files in a releases directory, oldest first. */
export function baselines(dir = path.join(ROOT, 'openapi/released')): { version: string; file: string }[] {
  return readdirSync(dir)
    .map((f) => /^v(\d+\.\d+\.\d+)\.yaml$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ version: m[1]!, file: path.join(dir, m[0]) }))
    .sort((a, b) => compareVersions(a.version, b.version));
}

export function parseVersion(v: string): [number, number, number] {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  if (!m) throw new Error(`not a release version (MAJOR.MINOR.PATCH): ${v}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function compareVersions(a: string, b: string): number {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** The next version at a level: 1.4.2 → major 2.0.0, minor 1.5.0, patch 1.4.3. */
export function nextVersion(v: string, level: Exclude<Level, 'none'>): string {
  const [ma, mi, pa] = parseVersion(v);
  return level === 'major' ? `${ma + 1}.0.0` : level === 'minor' ? `${ma}.${mi + 1}.0` : `${ma}.${mi}.${pa + 1}`;
}

/** The level of a step between two versions (1.4.2 → 1.5.0 is minor), or undefined when it is not a next version. */
export function stepLevel(from: string, to: string): Exclude<Level, 'none'> | undefined {
  return (['major', 'minor', 'patch'] as const).find((l) => nextVersion(from, l) === to);
}
