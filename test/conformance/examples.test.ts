/**
 * Docs examples are true (issue 9, item 4): every example in the contract validates against its own schema — by
 * this suite's ajv walk (support/examples.ts) and by Redocly's example rules in `npm run lint:spec` — and a broken
 * example fails both.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import YAML from 'yaml';
import { lintSpec } from '../../scripts/lint-spec.js';
import { checkExamples } from './support/examples.js';
import { ROOT, loadSpec, type Schema } from './support/spec.js';

// These suites start servers and send thousands of requests; `npm test` runs them beside every other suite.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const spec = loadSpec();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'portal-examples-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The spec with three examples broken, one per kind of place an example lives. */
function broken(doc: Schema): Schema {
  const copy = structuredClone(doc);
  copy.paths['/v1/jobs/{jobId}'].get.responses['200'].content['application/json'].examples.succeeded.value.progress = 101;
  copy.components.parameters.Limit.example = 0;
  copy.components.schemas.ContactId.examples = ['con_tooShort'];
  return copy;
}

describe('every example in the spec', () => {
  it('validates against its schema (ajv 2020 with formats, no undeclared properties)', () => {
    const report = checkExamples(spec);
    expect(report.problems).toEqual([]);
    // Media types, parameters, headers and schemas all hold examples; a walk that finds few is a broken walk.
    expect(report.checked).toBeGreaterThan(60);
    console.log(`examples: ${report.checked} checked against their schemas`);
  });

  it('fails when an example breaks its schema, naming where', () => {
    const report = checkExamples(broken(spec));
    const where = report.problems.map((p) => p.where);
    expect(where).toContain('#/paths/~1v1~1jobs~1{jobId}/get/responses/200/content/application~1json/examples/succeeded/value');
    expect(where).toContain('#/components/parameters/Limit/example');
    expect(where).toContain('#/components/schemas/ContactId/examples/0');
    expect(report.problems.find((p) => p.where.includes('succeeded'))!.errors.join()).toMatch(/\/progress must be <= 100/);
  });

  it('fails when an example carries a field its schema does not declare', () => {
    const copy = structuredClone(spec);
    copy.paths['/v1/contacts/{contactId}'].get.responses['200'].content['application/json'].examples.contact.value.tenantId = 'ten_acme';
    expect(checkExamples(copy).problems.map((p) => p.errors.join())).toEqual([expect.stringMatching(/additionalProperty.*tenantId/)]);
  });

  it('and `lint:spec` (Redocly) fails on a broken example, with the example rules', () => {
    const source = YAML.parse(readFileSync(path.join(ROOT, 'openapi/openapi.yaml'), 'utf8')) as Schema;
    const good = path.join(tmp, 'good.yaml');
    const bad = path.join(tmp, 'bad.yaml');
    writeFileSync(good, YAML.stringify(source));
    writeFileSync(bad, YAML.stringify(broken(source)));
    const config = path.join(ROOT, 'redocly.yaml');
    const baseline = lintSpec([good], config);
    expect(baseline.rules.filter((r) => /example/.test(r))).toEqual([]);
    const result = lintSpec([bad], config);
    expect(result.ok).toBe(false);
    expect(result.rules).toEqual(expect.arrayContaining(['no-invalid-media-type-examples', 'no-invalid-parameter-examples', 'no-invalid-schema-examples']));
  });
});
