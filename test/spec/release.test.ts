/**
 * `npm run changelog` and `npm run release` on planted changes of each kind, starting from the released v1.0.0
 * baseline in a checkout of their own: what Optic's diff reports per operation, the semver level it needs, the
 * right version accepted and the wrong one refused; a real release bumps info.version and the SDK, stores the
 * baseline and prepends CHANGELOG.md; check:breaking's history check catches a release made by hand at the wrong
 * level.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { checkReleases } from '../../scripts/check-breaking.js';
import { diffContract, renderChangelog, type ContractDiff } from '../../scripts/lib/contract-diff.js';
import { ROOT, type SpecDoc } from '../../scripts/lib/spec.js';
import { ReleaseRefused, assertReleasable, release, withInfoVersion } from '../../scripts/release.js';
import { GONE_RESPONSE } from '../support/deprecated-spec.js';

const BASELINE = path.join(ROOT, 'openapi/released/v1.0.0.yaml');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'portal-release-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const baseline = () => YAML.parse(readFileSync(BASELINE, 'utf8')) as SpecDoc;

/** A checkout of its own: the v1.0.0 baseline released, and openapi.yaml = the baseline with `plant` applied. */
function checkout(name: string, plant: (s: SpecDoc) => void): string {
  const root = path.join(tmp, name);
  mkdirSync(path.join(root, 'openapi/released'), { recursive: true });
  copyFileSync(BASELINE, path.join(root, 'openapi/released/v1.0.0.yaml'));
  const spec = baseline();
  plant(spec);
  writeFileSync(path.join(root, 'openapi/openapi.yaml'), YAML.stringify(spec));
  return root;
}

const diffOf = (root: string) => diffContract(path.join(root, 'openapi/released/v1.0.0.yaml'), path.join(root, 'openapi/openapi.yaml'));
const refused = (diff: ContractDiff, to: string) => expect(() => assertReleasable(diff, '1.0.0', to)).toThrow(ReleaseRefused);
const accepted = (diff: ContractDiff, to: string) => expect(() => assertReleasable(diff, '1.0.0', to)).not.toThrow();
const changelog = (diff: ContractDiff) => renderChangelog(diff, { version: 'next', date: '2026-12-05', baseline: 'openapi/released/v1.0.0.yaml' });

const plants: Record<string, (s: SpecDoc) => void> = {
  docs: (s) => (s.paths['/v1/jobs'].get.summary = 'List every job'),
  additive: (s) => {
    s.paths['/v1/jobs'].get.parameters.push({ name: 'title', in: 'query', required: false, description: 'Only jobs whose title contains it.', schema: { type: 'string', maxLength: 100 } });
    s.components.schemas.Job.properties.priority = { type: 'integer', format: 'int32', minimum: 0, maximum: 9 };
  },
  addedOperation: (s) => {
    s.paths['/v1/usage'] = { get: { ...structuredClone(s.paths['/v1/health'].get), operationId: 'getUsage', summary: 'Usage of the API' } };
  },
  deprecation: (s) => {
    // v1.0.0 has no Access-Control-Allow-Origin header component yet.
    const { 'Access-Control-Allow-Origin': _acao, ...headers } = GONE_RESPONSE.headers;
    s.components.responses.Gone = { ...GONE_RESPONSE, headers };
    const getJob = s.paths['/v1/jobs/{jobId}'].get;
    Object.assign(getJob, { deprecated: true, 'x-deprecated-at': '2026-12-01', 'x-sunset': '2027-06-01', 'x-deprecation-link': 'https://portal.example.com/changelog#getjob' });
    getJob.responses['410'] = { $ref: '#/components/responses/Gone' };
    Object.assign(s.components.schemas.Contact.properties.phone, { deprecated: true, 'x-deprecated-at': '2026-12-01' });
  },
  breaking: (s) => {
    delete s.components.schemas.Contact.properties.role;
    s.components.schemas.Contact.required = s.components.schemas.Contact.required.filter((p: string) => p !== 'role');
  },
  removedOperation: (s) => delete s.paths['/v1/jobs/{jobId}/files/{fileId}'],
};

describe('changelog and semver level of each kind of change (Optic diff)', { timeout: 180_000 }, () => {
  it('documentation only → patch: 1.0.1 accepted, a version that is not the next refused', () => {
    const diff = diffOf(checkout('docs', plants.docs!));
    expect(diff.level).toBe('patch');
    accepted(diff, '1.0.1');
    refused(diff, '1.0.2');
    expect(changelog(diff)).toMatch(/### Documentation\n\n- descriptions or examples of `GET \/v1\/jobs` \(`listJobs`\)/);
  });

  it('a new optional parameter and response property → minor: 1.0.1 refused, 1.1.0 accepted', () => {
    const diff = diffOf(checkout('additive', plants.additive!));
    expect(diff.level).toBe('minor');
    refused(diff, '1.0.1');
    accepted(diff, '1.1.0');
    const md = changelog(diff);
    expect(md).toMatch(/### Changed\n\n(- .*\n( {2}- .*\n)*)*- `GET \/v1\/jobs` \(`listJobs`\)\n( {2}- .*\n)* {2}- query parameter `title` added/);
    expect(md).toMatch(/`priority` added/);
    expect(md).not.toMatch(/### Breaking/);
  });

  it('an added operation → minor: 1.0.1 refused, 1.1.0 accepted', () => {
    const diff = diffOf(checkout('added-operation', plants.addedOperation!));
    expect(diff.level).toBe('minor');
    refused(diff, '1.0.1');
    accepted(diff, '1.1.0');
    expect(changelog(diff)).toMatch(/### Added\n\n- `GET \/v1\/usage` \(`getUsage`\)/);
  });

  it('a deprecation → minor: 1.0.1 refused, 1.1.0 accepted; the changelog says what, since and until when', () => {
    const diff = diffOf(checkout('deprecation', plants.deprecation!));
    expect(diff.level).toBe('minor');
    refused(diff, '1.0.1');
    accepted(diff, '1.1.0');
    const md = changelog(diff);
    const deprecated = md.slice(md.indexOf('### Deprecated'));
    expect(deprecated).toContain('- `GET /v1/jobs/{jobId}` (`getJob`)\n  - the operation: deprecated since 2026-12-01, sunset on 2027-06-01 (then 410 Gone) — https://portal.example.com/changelog#getjob');
    // A field is deprecated in the answers of every operation that returns it.
    for (const op of ['`GET /v1/contacts` (`listContacts`)', '`GET /v1/contacts/{contactId}` (`getContact`)']) {
      expect(deprecated).toContain(`- ${op}\n  - field \`Contact.phone\` in its answers: deprecated since 2026-12-01\n`);
    }
  });

  it('a removed response property → major: 1.1.0 refused, 2.0.0 accepted; Optic names what breaks', () => {
    const diff = diffOf(checkout('breaking', plants.breaking!));
    expect(diff.level).toBe('major');
    refused(diff, '1.1.0');
    refused(diff, '1.0.1');
    accepted(diff, '2.0.0');
    expect(changelog(diff)).toMatch(/### Breaking \(Optic\)\n\n- `GET \/v1\/contacts\/\{contactId\}` \(`getContact`\)\n {2}- cannot remove response property 'role'\./);
  });

  it('a removed operation → major: 1.1.0 refused, 2.0.0 accepted', () => {
    const diff = diffOf(checkout('removed-operation', plants.removedOperation!));
    expect(diff.level).toBe('major');
    refused(diff, '1.1.0');
    accepted(diff, '2.0.0');
    expect(changelog(diff)).toMatch(/### Removed\n\n- `GET \/v1\/jobs\/\{jobId\}\/files\/\{fileId\}` \(`getJobFile`\)/);
  });
});

describe('npm run release', { timeout: 300_000 }, () => {
  it('refuses the wrong level and a release of nothing, changing no file', async () => {
    const root = checkout('refused', plants.breaking!);
    const before = readFileSync(path.join(root, 'openapi/openapi.yaml'), 'utf8');
    await expect(release('1.1.0', { root, generate: false })).rejects.toThrow(/1\.1\.0 is a minor release, but the change needs a major one: it breaks 1\.0\.0 \(cannot remove response property 'role'.*Release 2\.0\.0\./);
    expect(readFileSync(path.join(root, 'openapi/openapi.yaml'), 'utf8')).toBe(before);
    const same = checkout('nothing', () => {});
    await expect(release('1.0.1', { root: same, generate: false })).rejects.toThrow(/nothing to release/);
  });

  it('releases: info.version, the SDK and the server versions bumped, the baseline stored, CHANGELOG.md prepended; history checked', async () => {
    const root = checkout('released', plants.additive!);
    const pkg = JSON.stringify({ name: 'portal-api', version: '1.0.0', private: true, scripts: { x: 'y' } }, null, 2) + '\n';
    writeFileSync(path.join(root, 'package.json'), pkg);
    writeFileSync(path.join(root, 'package-lock.json'), JSON.stringify({ name: 'portal-api', version: '1.0.0', lockfileVersion: 3, packages: { '': { name: 'portal-api', version: '1.0.0' } } }, null, 2) + '\n');
    const first = await release('1.1.0', { root, date: '2026-12-05' });
    expect(readFileSync(path.join(root, 'package.json'), 'utf8')).toBe(pkg.replace('"version": "1.0.0"', '"version": "1.1.0"'));
    const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { version: string; packages: Record<string, { version: string }> };
    expect([lock.version, lock.packages['']!.version]).toEqual(['1.1.0', '1.1.0']);
    const spec = readFileSync(path.join(root, 'openapi/openapi.yaml'), 'utf8');
    expect((YAML.parse(spec) as SpecDoc).info.version).toBe('1.1.0');
    expect(readFileSync(first.baseline, 'utf8')).toBe(spec);
    expect(path.basename(first.baseline)).toBe('v1.1.0.yaml');
    expect(JSON.parse(readFileSync(path.join(root, 'generated/sdk/package.json'), 'utf8')).version).toBe('1.1.0');
    expect(readFileSync(path.join(root, 'generated/sdk/dist/index.js'), 'utf8')).toContain('var API_VERSION = "1.1.0"');

    // A second release on top: its section goes above the first.
    const next = YAML.parse(spec) as SpecDoc;
    plants.addedOperation!(next);
    writeFileSync(path.join(root, 'openapi/openapi.yaml'), withInfoVersion(YAML.stringify(next), '1.1.0'));
    await release('1.2.0', { root, generate: false, date: '2026-12-06' });
    const log = readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8');
    expect(log.indexOf('## 1.2.0 — 2026-12-06')).toBeGreaterThan(0);
    expect(log.indexOf('## 1.2.0')).toBeLessThan(log.indexOf('## 1.1.0 — 2026-12-05'));
    expect(log).toContain('Compared with 1.1.0 (`openapi/released/v1.1.0.yaml`): a **minor** release');
    expect(checkReleases(path.join(root, 'openapi/released'), path.join(root, 'openapi/openapi.yaml'))).toEqual([]);
  });

  it('check:breaking fails a release made by hand at the wrong level, and a hand-edited info.version', () => {
    const root = checkout('by-hand', plants.breaking!);
    const spec = path.join(root, 'openapi/openapi.yaml');
    writeFileSync(spec, withInfoVersion(readFileSync(spec, 'utf8'), '1.1.0'));
    copyFileSync(spec, path.join(root, 'openapi/released/v1.1.0.yaml'));
    expect(checkReleases(path.join(root, 'openapi/released'), spec)).toEqual(['1.1.0 was released as a minor release, but its change from 1.0.0 needs a major one']);
    writeFileSync(spec, withInfoVersion(readFileSync(spec, 'utf8'), '1.1.1'));
    expect(checkReleases(path.join(root, 'openapi/released'), spec).at(-1)).toMatch(/says info\.version 1\.1\.1, but the newest release is 1\.1\.0/);
  });
});
