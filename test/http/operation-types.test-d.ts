/**
 * Handlers are typed from the contract: a body that drifts from the spec for its status fails `tsc`. Also shows
 * OpenAPI 3.1 constructs come through openapi-typescript right (`type: [string, 'null']`, `oneOf` with null,
 * `const`), which is part of why the contract is 3.1 (see docs/changing-the-contract.md).
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { components } from '../../generated/types.js';
import { defineOperation, type OperationResult } from '../../src/http/operation.js';

type Job = components['schemas']['Job'];

const job: Job = {
  id: 'job_7hR2mK9pQ4xW1nV8bT3cZs',
  title: 'Export',
  status: 'running',
  contactId: 'con_4k9Qx2VbN7mT1pLs8ZrY3a',
  progress: 10,
  fileCount: 0,
  createdAt: '2025-09-02T08:00:00Z',
  updatedAt: '2025-09-02T08:00:00Z',
  startedAt: null,
  completedAt: null,
};

describe('typed operation handlers', () => {
  it('accepts a body that matches the contract', () => {
    defineOperation('getJob', async () => ({ status: 200, body: job }));
    expectTypeOf<OperationResult<'getHealth'>['status']>().toEqualTypeOf<200 | 503>();
  });

  it('rejects a missing field, a wrong type, an unknown enum value, an undocumented status', () => {
    const { fileCount: _omit, ...withoutFileCount } = job;
    // @ts-expect-error fileCount is required by the contract
    defineOperation('getJob', async () => ({ status: 200, body: withoutFileCount }));
    // @ts-expect-error progress is an integer, not a string
    defineOperation('getJob', async () => ({ status: 200, body: { ...job, progress: '10' } }));
    // @ts-expect-error 'paused' is not a JobStatus
    defineOperation('getJob', async () => ({ status: 200, body: { ...job, status: 'paused' } }));
    // @ts-expect-error getJob documents no 201
    defineOperation('getJob', async () => ({ status: 201, body: job }));
    // @ts-expect-error a contact is not a job
    defineOperation('getJob', async () => ({ status: 200, body: { id: 'con_x', name: 'A', email: 'a@b.c' } }));
  });

  it('types parameters from the contract', () => {
    defineOperation('listJobs', async ({ query, path }) => {
      expectTypeOf(query.limit).toEqualTypeOf<number | undefined>();
      expectTypeOf(query.status).toEqualTypeOf<'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | undefined>();
      // @ts-expect-error listJobs has no `q` parameter
      void query.q;
      void path;
      return { status: 200, body: { data: [job], nextCursor: null } };
    });
  });

  it('maps 3.1 nullable forms to unions with null', () => {
    expectTypeOf<Job['startedAt']>().toEqualTypeOf<string | null>();
    expectTypeOf<components['schemas']['Contact']['phone']>().toEqualTypeOf<string | null>();
    expectTypeOf<components['schemas']['ContactList']['nextCursor']>().toEqualTypeOf<string | null>();
  });
});
