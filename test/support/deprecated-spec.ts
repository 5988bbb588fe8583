/**
 * A copy of the contract with deprecations planted in each place they can be (for the deprecation tests): an
 * operation (getJob, sunset far ahead), a parameter (listContacts `q`, sunset passed), a response field
 * (Contact.phone, sunset ahead) and a whole operation already sunset (listJobFiles), with the 410 they document.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { readSpec, type SpecDoc } from '../../scripts/lib/spec.js';

export const GONE_RESPONSE = {
  description: 'Sunset: this operation, or a parameter the request used, is past its `x-sunset` date.',
  headers: {
    RateLimit: { $ref: '#/components/headers/RateLimit' },
    'RateLimit-Policy': { $ref: '#/components/headers/RateLimitPolicy' },
    'Access-Control-Allow-Origin': { $ref: '#/components/headers/AccessControlAllowOrigin' },
  },
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};

export const LINKS = {
  getJob: 'https://portal.example.com/changelog#getjob',
  q: 'https://portal.example.com/changelog#contacts-q',
};

/** The contract with the deprecations above; `edit` may change it further. */
export function deprecatedSpec(edit: (spec: SpecDoc) => void = () => {}): SpecDoc {
  const spec = readSpec();
  spec.components.responses.Gone = GONE_RESPONSE;
  const getJob = spec.paths['/v1/jobs/{jobId}'].get;
  Object.assign(getJob, { deprecated: true, 'x-deprecated-at': '2026-01-15', 'x-sunset': '2099-07-01', 'x-deprecation-link': LINKS.getJob });
  getJob.responses['410'] = { $ref: '#/components/responses/Gone' };
  const listContacts = spec.paths['/v1/contacts'].get;
  const q = listContacts.parameters.find((p: SpecDoc) => p.name === 'q');
  Object.assign(q, { deprecated: true, 'x-deprecated-at': '2026-02-01', 'x-sunset': '2026-03-01', 'x-deprecation-link': LINKS.q });
  listContacts.responses['410'] = { $ref: '#/components/responses/Gone' };
  Object.assign(spec.components.schemas.Contact.properties.phone, { deprecated: true, 'x-deprecated-at': '2026-01-01', 'x-sunset': '2099-01-01' });
  const listJobFiles = spec.paths['/v1/jobs/{jobId}/files'].get;
  Object.assign(listJobFiles, { deprecated: true, 'x-deprecated-at': '2025-12-01', 'x-sunset': '2026-06-01' });
  listJobFiles.responses['410'] = { $ref: '#/components/responses/Gone' };
  edit(spec);
  return spec;
}

export function writeSpec(dir: string, name: string, spec: SpecDoc): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, YAML.stringify(spec));
  return file;
}
