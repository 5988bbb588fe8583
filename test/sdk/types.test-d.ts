/**
 * Compile-time guarantees of the generated SDK (vitest typecheck: `expectTypeOf` and `@ts-expect-error`, which
 * fails when the line it marks compiles). Checked against the built declarations a frontend gets.
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  NotFoundError,
  createPortalClient,
  type PortalApiError,
  type Contact,
  type File,
  type Job,
  type JobStatus,
  type PortalApiErrorKind,
  type Problem,
  type Schemas,
} from '../../generated/sdk/dist/index.js';
import type { components } from '../../generated/types.js';

const portal = createPortalClient({ baseUrl: 'https://api.portal.example.com', token: 'pk_live_x' });

describe('results are typed from the spec', () => {
  it('single resources and pages', async () => {
    expectTypeOf(await portal.getJob({ jobId: 'job_x' })).toEqualTypeOf<components['schemas']['Job']>();
    expectTypeOf(await portal.getContact({ contactId: 'con_x' })).toEqualTypeOf<Contact>();
    expectTypeOf(await portal.getJobFile({ jobId: 'job_x', fileId: 'fil_x' })).toEqualTypeOf<File>();
    const page = await portal.listJobs();
    expectTypeOf(page.data).toEqualTypeOf<Job[]>();
    expectTypeOf(page.nextCursor).toEqualTypeOf<Schemas['NextCursor']>();
    expectTypeOf(page.nextCursor).toEqualTypeOf<string | null>();
    expectTypeOf((await portal.getHealth()).status).toEqualTypeOf<'ok' | 'degraded' | 'down'>();
    expectTypeOf(portal.downloadFile).returns.resolves.toEqualTypeOf<Blob>();
    expectTypeOf(portal.headDownloadFile).returns.resolves.toEqualTypeOf<Headers>();
  });

  it('fields: nullable where the spec says so, absent ones do not exist', async () => {
    const job = await portal.getJob({ jobId: 'job_x' });
    expectTypeOf(job.status).toEqualTypeOf<JobStatus>();
    expectTypeOf(job.progress).toEqualTypeOf<number>();
    expectTypeOf(job.completedAt).toEqualTypeOf<string | null>();
    const contact = await portal.getContact({ contactId: 'con_x' });
    expectTypeOf(contact.phone).toEqualTypeOf<string | null>();
    // @ts-expect-error — Job has no `name` (it is `title`)
    void job.name;
    // @ts-expect-error — Contact has no `tenantId`: tenancy never leaks into the API
    void contact.tenantId;
    // @ts-expect-error — nullable: must be narrowed before use
    void job.completedAt.length;
  });

  it('auto-pagination yields items of the list', () => {
    expectTypeOf(portal.listJobs.all({ status: 'running' })).toEqualTypeOf<AsyncIterableIterator<Job>>();
    expectTypeOf(portal.listJobFiles.all({ jobId: 'job_x' })).toEqualTypeOf<AsyncIterableIterator<File>>();
    expectTypeOf(portal.listContacts.all()).toEqualTypeOf<AsyncIterableIterator<Contact>>();
  });
});

describe('parameters are checked', () => {
  it('accepts the spec’s parameters', () => {
    expectTypeOf(portal.listJobs).parameter(0).toEqualTypeOf<
      { limit?: number; cursor?: string; status?: JobStatus; contactId?: string; updatedSince?: string } | undefined
    >();
    expectTypeOf(portal.getJob).parameter(0).toEqualTypeOf<{ jobId: string }>();
  });

  it('refuses wrong ones', () => {
    // @ts-expect-error — not a JobStatus
    void portal.listJobs({ status: 'done' });
    // @ts-expect-error — limit is a number
    void portal.listJobs({ limit: '10' });
    // @ts-expect-error — unknown parameter
    void portal.listContacts({ sort: 'name' });
    // @ts-expect-error — jobId is required
    void portal.getJob({});
    // @ts-expect-error — the path parameter is jobId, not id
    void portal.getJob({ id: 'job_x' });
    // @ts-expect-error — listJobFiles needs the job
    void portal.listJobFiles.all();
    // @ts-expect-error — .all() owns the cursor
    void portal.listJobs.all({ cursor: 'abc.def' });
    // @ts-expect-error — no such operation
    void portal.deleteJob({ jobId: 'job_x' });
    // @ts-expect-error — the token is a string (or getToken a function)
    createPortalClient({ baseUrl: 'https://x', token: 42 });
  });
});

describe('errors', () => {
  it('carry the problem, the status, the trace id and a discriminant', () => {
    expectTypeOf<PortalApiError['problem']>().toEqualTypeOf<Problem>();
    expectTypeOf<PortalApiError['status']>().toEqualTypeOf<number>();
    expectTypeOf<PortalApiError['traceId']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<PortalApiError['kind']>().toEqualTypeOf<PortalApiErrorKind>();
    expectTypeOf<NotFoundError['kind']>().toEqualTypeOf<'not_found'>();
    // The spec's Problem fits the SDK's.
    expectTypeOf<components['schemas']['Problem']>().toExtend<Problem>();
  });

  it('narrow with instanceof', () => {
    const e: unknown = null;
    if (e instanceof NotFoundError) expectTypeOf(e.problem.traceId).toEqualTypeOf<string | undefined>();
  });
});
