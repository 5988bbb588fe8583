/**
 * The contract's CI gates catch what they promise: lint:spec flags each convention broken in a copy of the spec
 * (Redocly's rules and Spectral's OWASP rules, warnings included, with waivers for exact places only),
 * check:breaking fails a breaking copy and passes an additive one, check:generated notices a spec edited
 * without regenerating.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBreaking } from '../../scripts/check-breaking.js';
import { staleGenerated } from '../../scripts/check-generated.js';
import { SPECTRAL_RULESET, lintSpec } from '../../scripts/lint-spec.js';
import { ROOT, SPEC_PATH, readSpec, type SpecDoc } from '../../scripts/lib/spec.js';
import { deprecatedSpec } from '../support/deprecated-spec.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'portal-spec-ci-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function variant(name: string, mutate: (spec: SpecDoc) => void): string {
  const spec = readSpec();
  mutate(spec);
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, YAML.stringify(spec));
  return file;
}

const CONFIG = path.join(ROOT, 'redocly.yaml');

describe('lint:spec', { timeout: 120_000 }, () => {
  it('passes the contract with zero warnings', () => {
    const result = lintSpec();
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });

  const violations: [string, string, (s: SpecDoc) => void][] = [
    ['rule/operation-id-camel-case', 'snake_case operationId', (s) => (s.paths['/v1/jobs'].get.operationId = 'list_jobs')],
    ['response-contains-header', '429 without Retry-After', (s) => delete s.components.responses.TooManyRequests.headers['Retry-After']],
    ['response-contains-header', '200 without rate-limit headers', (s) => delete s.paths['/v1/jobs'].get.responses['200'].headers.RateLimit],
    ['rule/data-operations-document-timeouts', 'an operation without 504', (s) => delete s.paths['/v1/jobs'].get.responses['504']],
    ['rule/every-operation-documents-its-errors', 'health without 400', (s) => delete s.paths['/v1/health'].get.responses['400']],
    ['rule/every-operation-documents-its-errors', 'an operation without 414', (s) => delete s.paths['/v1/jobs'].get.responses['414']],
    ['rule/every-operation-documents-its-errors', 'an operation without 431', (s) => delete s.paths['/v1/contacts'].get.responses['431']],
    ['rule/every-operation-documents-its-errors', 'an operation without 405', (s) => delete s.paths['/v1/downloads/{fileId}'].head.responses['405']],
    ['response-contains-header', '405 without Allow', (s) => delete s.components.responses.MethodNotAllowed.headers.Allow],
    ['rule/protected-operations-document-auth-errors', 'a protected operation without 401', (s) => delete s.paths['/v1/jobs'].get.responses['401']],
    ['rule/operation-declares-security', 'an operation without security', (s) => delete s.paths['/v1/jobs'].get.security],
    ['rule/errors-are-problem-json', 'a 404 as application/json', (s) => {
      const r = s.components.responses.NotFound;
      r.content = { 'application/json': r.content['application/problem+json'] };
    }],
    ['rule/arrays-have-max-items', 'an array without maxItems', (s) => delete s.components.schemas.JobList.properties.data.maxItems],
    ['rule/integer-parameters-are-bounded', 'an unbounded integer parameter', (s) => delete s.components.parameters.Limit.schema.maximum],
    ['no-invalid-media-type-examples', 'an example that breaks its schema', (s) => {
      s.paths['/v1/jobs/{jobId}'].get.responses['200'].content['application/json'].examples.succeeded.value.progress = 'half';
    }],
  ];
  it.each(violations)('%s catches %s', (rule, name, mutate) => {
    const result = lintSpec([variant(name.replace(/\W+/g, '-'), mutate)], CONFIG);
    expect(result.ok).toBe(false);
    expect(result.rules).toContain(rule);
  });
});

describe('lint:spec: Spectral with the OWASP API Security Top 10 (2023)', { timeout: 120_000 }, () => {
  const owasp: [string, string, (s: SpecDoc) => void][] = [
    ['owasp:api4:2023-integer-format', 'an integer without format', (s) => delete s.components.parameters.Limit.schema.format],
    ['owasp:api4:2023-string-limit', 'a string without maxLength', (s) => delete s.components.schemas.Timestamp.maxLength],
    ['owasp:api4:2023-integer-limit', 'an integer without maximum', (s) => delete s.components.schemas.File.properties.size.maximum],
    ['owasp:api8:2023-no-server-http', 'a second http server', (s) => s.servers.push({ url: 'http://staging.portal.example.com', description: 'Staging', 'x-internal': true })],
    ['owasp:api9:2023-inventory-access', 'a server without x-internal', (s) => delete s.servers[0]['x-internal']],
    ['owasp:api8:2023-define-cors-origin', 'a response without Access-Control-Allow-Origin', (s) => delete s.components.responses.NotFound.headers['Access-Control-Allow-Origin']],
    // A warning fails the lint like an error: a protected read made public, where no waiver covers it.
    ['owasp:api2:2023-read-restricted', 'a read operation without security (not waived there)', (s) => (s.paths['/v1/jobs/{jobId}'].get.security = [])],
    ['owasp:api4:2023-string-restricted', 'a free-form string outside the waived places', (s) => delete s.components.headers.ContentRange.schema.pattern],
  ];
  it.each(owasp)('%s catches %s', (rule, name, mutate) => {
    const result = lintSpec([variant(`owasp-${name.replace(/\W+/g, '-')}`, mutate)], CONFIG);
    expect(result.ok, result.output).toBe(false);
    expect(result.rules).toContain(rule);
  });

  /** A ruleset beside the real one (so its waivers' paths and `extends` resolve the same), removed afterwards. */
  function withRuleset<T>(edit: (text: string) => string, run: (ruleset: string) => T): T {
    const file = path.join(ROOT, `.spectral-test-${process.pid}.yaml`);
    writeFileSync(file, edit(readFileSync(SPECTRAL_RULESET, 'utf8')));
    try {
      return run(file);
    } finally {
      rmSync(file, { force: true });
    }
  }

  it('a waiver covers exactly its place: without the health waiver, public health is a finding', () => {
    const result = withRuleset(
      (t) => t.replace(/ {2}# Public on purpose: health[^\n]*\n {2}- files: \['openapi\/openapi.yaml#\/paths\/~1v1~1health\/get'\]\n {4}rules:\n(?: {6}[^\n]*\n){2}/, ''),
      (ruleset) => lintSpec([SPEC_PATH], CONFIG, ruleset),
    );
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/owasp:api2:2023-read-restricted[^\n]*\n\s+at openapi\/openapi.yaml#\/paths\/~1v1~1health\/get/);
  });

  it('a waiver without a one-line reason fails, and so does one whose place is gone from the spec', () => {
    const unexplained = withRuleset((t) => t.replace(/ {2}# The local embedded default[^\n]*\n/, ''), (ruleset) => lintSpec([SPEC_PATH], CONFIG, ruleset));
    expect(unexplained.ok).toBe(false);
    expect(unexplained.rules).toContain('waiver-has-reason');
    const stale = variant('stale-waiver', (s) => s.servers.splice(1, 1));
    const result = lintSpec([stale], CONFIG);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/waiver-names-a-place: openapi\/openapi.yaml#\/servers\/1\/url: no such place/);
  });
});

describe('lint:spec: the lifecycle rules (deprecated, x-deprecated-at, x-sunset, x-deprecation-link)', { timeout: 120_000 }, () => {
  const write = (name: string, spec: SpecDoc) => {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, YAML.stringify(spec));
    return file;
  };
  it('passes a copy with an operation, a parameter and a field deprecated and sunset, each documenting its 410', () => {
    const result = lintSpec([write('lifecycle-ok', deprecatedSpec())], CONFIG);
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });
  const getJob = (s: SpecDoc) => s.paths['/v1/jobs/{jobId}'].get;
  const broken: [string, string, (s: SpecDoc) => void][] = [
    ['lifecycle-sunset-needs-deprecated', 'x-sunset without deprecated: true', (s) => delete getJob(s).deprecated],
    ['lifecycle-sunset-needs-deprecated', 'x-sunset with deprecated: false', (s) => (getJob(s).deprecated = false)],
    ['lifecycle-dates-are-rfc3339', 'an x-sunset that is no date', (s) => (s.components.schemas.Contact.properties.phone['x-sunset'] = 'next summer')],
    ['lifecycle-dates-are-rfc3339', 'an x-sunset on a day that does not exist', (s) => (getJob(s)['x-sunset'] = '2099-02-30')],
    ['lifecycle-deprecated-has-date', 'deprecated without x-deprecated-at', (s) => delete getJob(s)['x-deprecated-at']],
    ['lifecycle-deprecation-link-is-a-url', 'a deprecation link that is no https URL', (s) => (getJob(s)['x-deprecation-link'] = 'see the changelog')],
    ['lifecycle-sunset', 'a sunset operation without its 410', (s) => delete getJob(s).responses['410']],
    ['lifecycle-sunset', 'a sunset before the deprecation', (s) => (getJob(s)['x-sunset'] = '2025-01-01')],
  ];
  it.each(broken)('%s catches %s', (rule, name, edit) => {
    const result = lintSpec([write(`lifecycle-${name.replace(/\W+/g, '-')}`, deprecatedSpec(edit))], CONFIG);
    expect(result.ok).toBe(false);
    expect(result.rules).toContain(rule);
  });
});

describe('check:breaking (Optic, offline)', { timeout: 180_000 }, () => {
  const base = path.join(ROOT, 'openapi/released/v1.0.0.yaml');

  it('passes the current contract against the released baseline', () => {
    const r = checkBreaking(base, path.join(ROOT, 'openapi/openapi.yaml'));
    expect(r.output).toMatch(/Portal API/);
    expect(r.ok).toBe(true);
  });

  it('fails when a response property is removed', () => {
    const file = variant('removed-property', (s) => {
      delete s.components.schemas.Contact.properties.role;
      s.components.schemas.Contact.required = s.components.schemas.Contact.required.filter((p: string) => p !== 'role');
    });
    const r = checkBreaking(base, file);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/role/);
  });

  it('fails when an enum value is removed or a required parameter is added', () => {
    expect(checkBreaking(base, variant('removed-enum', (s) => s.components.schemas.JobStatus.enum.pop())).ok).toBe(false);
    const required = variant('new-required-param', (s) =>
      s.paths['/v1/jobs'].get.parameters.push({ name: 'region', in: 'query', required: true, schema: { type: 'string', maxLength: 10 } }),
    );
    expect(checkBreaking(base, required).ok).toBe(false);
  });

  it('passes an additive change (a new optional parameter and response property)', () => {
    const file = variant('additive', (s) => {
      s.paths['/v1/jobs'].get.parameters.push({ name: 'title', in: 'query', required: false, schema: { type: 'string', maxLength: 100 } });
      s.components.schemas.Job.properties.priority = { type: 'integer', minimum: 0, maximum: 9 };
    });
    const r = checkBreaking(base, file);
    expect(r.output).not.toMatch(/breaking change/i);
    expect(r.ok).toBe(true);
  });
});

describe('check:generated', { timeout: 120_000 }, () => {
  it('is clean for the committed contract', async () => {
    expect(await staleGenerated()).toEqual([]);
  });

  it('names the stale files when the spec changes without regenerating', async () => {
    const file = variant('edited', (s) => (s.paths['/v1/jobs'].get.summary = 'List every job'));
    const stale = await staleGenerated({ specPath: file });
    expect(stale).toEqual(expect.arrayContaining(['openapi.json (differs)', 'types.ts (differs)']));
  });
});
