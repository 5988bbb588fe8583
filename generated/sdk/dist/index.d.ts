import { type PortalClientOptions, type RequestOptions } from './core.js';
import type { components, operations } from './types.js';
export { BadRequestError, ForbiddenError, GatewayTimeoutError, InternalServerError, NotFoundError, PortalApiError, PortalConnectionError, PortalError, PortalTimeoutError, RangeNotSatisfiableError, RateLimitedError, ServiceUnavailableError, UnauthorizedError, } from './core.js';
export type { DeprecationInfo, Page, PortalApiErrorKind, PortalClientOptions, Problem, RequestOptions, RetryInfo } from './core.js';
export type { components, operations, paths } from './types.js';
/** The spec's schemas, by name. */
export type Schemas = components['schemas'];
export type UsageDate = Schemas['UsageDate'];
export type UsageCount = Schemas['UsageCount'];
export type StatusClassCounts = Schemas['StatusClassCounts'];
export type OperationUsage = Schemas['OperationUsage'];
export type UsagePeriod = Schemas['UsagePeriod'];
export type Usage = Schemas['Usage'];
export type TenantId = Schemas['TenantId'];
export type ContactId = Schemas['ContactId'];
export type JobId = Schemas['JobId'];
export type FileId = Schemas['FileId'];
export type Cursor = Schemas['Cursor'];
export type Timestamp = Schemas['Timestamp'];
export type Contact = Schemas['Contact'];
export type ContactList = Schemas['ContactList'];
export type JobStatus = Schemas['JobStatus'];
export type Job = Schemas['Job'];
export type JobList = Schemas['JobList'];
export type File = Schemas['File'];
export type FileList = Schemas['FileList'];
export type NextCursor = Schemas['NextCursor'];
export type HealthStatus = Schemas['HealthStatus'];
export type HealthCheck = Schemas['HealthCheck'];
export type Health = Schemas['Health'];
export type ValidationError = Schemas['ValidationError'];
/** The contract version this SDK was generated from. */
export declare const API_VERSION = "1.1.0";
/** Every operation this SDK calls, by operationId. */
export declare const operationIds: readonly ["getHealth", "listContacts", "getContact", "listJobs", "getJob", "listJobFiles", "getJobFile", "getUsage", "downloadFile", "headDownloadFile"];
/** What `getHealth` resolves to. */
export type GetHealthResult = operations['getHealth']['responses'][200]['content']['application/json'];
/** Path and query parameters of `listContacts`, flattened (names as in the spec). */
export type ListContactsParams = NonNullable<operations['listContacts']['parameters']['query']>;
/** What `listContacts` resolves to. */
export type ListContactsResult = operations['listContacts']['responses'][200]['content']['application/json'];
/** Path and query parameters of `getContact`, flattened (names as in the spec). */
export type GetContactParams = operations['getContact']['parameters']['path'];
/** What `getContact` resolves to. */
export type GetContactResult = operations['getContact']['responses'][200]['content']['application/json'];
/** Path and query parameters of `listJobs`, flattened (names as in the spec). */
export type ListJobsParams = NonNullable<operations['listJobs']['parameters']['query']>;
/** What `listJobs` resolves to. */
export type ListJobsResult = operations['listJobs']['responses'][200]['content']['application/json'];
/** Path and query parameters of `getJob`, flattened (names as in the spec). */
export type GetJobParams = operations['getJob']['parameters']['path'];
/** What `getJob` resolves to. */
export type GetJobResult = operations['getJob']['responses'][200]['content']['application/json'];
/** Path and query parameters of `listJobFiles`, flattened (names as in the spec). */
export type ListJobFilesParams = operations['listJobFiles']['parameters']['path'] & NonNullable<operations['listJobFiles']['parameters']['query']>;
/** What `listJobFiles` resolves to. */
export type ListJobFilesResult = operations['listJobFiles']['responses'][200]['content']['application/json'];
/** Path and query parameters of `getJobFile`, flattened (names as in the spec). */
export type GetJobFileParams = operations['getJobFile']['parameters']['path'];
/** What `getJobFile` resolves to. */
export type GetJobFileResult = operations['getJobFile']['responses'][200]['content']['application/json'];
/** Path and query parameters of `getUsage`, flattened (names as in the spec). */
export type GetUsageParams = NonNullable<operations['getUsage']['parameters']['query']>;
/** What `getUsage` resolves to. */
export type GetUsageResult = operations['getUsage']['responses'][200]['content']['application/json'];
/** Path and query parameters of `downloadFile`, flattened (names as in the spec). */
export type DownloadFileParams = operations['downloadFile']['parameters']['path'] & NonNullable<operations['downloadFile']['parameters']['query']>;
/** What `downloadFile` resolves to. */
export type DownloadFileResult = Blob;
/** Path and query parameters of `headDownloadFile`, flattened (names as in the spec). */
export type HeadDownloadFileParams = operations['headDownloadFile']['parameters']['path'] & NonNullable<operations['headDownloadFile']['parameters']['query']>;
/** What `headDownloadFile` resolves to. */
export type HeadDownloadFileResult = Headers;
/** The Portal API: one method per operationId. Failures reject with a PortalError subclass. */
export interface PortalClient {
    /**
     * Report the API's health — `GET /v1/health`
     *
     * Public. `200` while the API can serve (`ok` or `degraded`), `503` when it cannot (`down`).
     */
    getHealth(options?: RequestOptions): Promise<GetHealthResult>;
    /**
     * List contacts — `GET /v1/contacts`
     *
     * The tenant's contacts, newest first, optionally filtered.
     */
    listContacts: {
        (params?: ListContactsParams, options?: RequestOptions): Promise<ListContactsResult>;
        /** Every item of every page, fetched lazily over `nextCursor`: `for await (const item of client.listContacts.all(…))`. */
        all(params?: Omit<ListContactsParams, 'cursor'>, options?: RequestOptions): AsyncIterableIterator<ListContactsResult['data'][number]>;
    };
    /**
     * Get a contact — `GET /v1/contacts/{contactId}`
     *
     * One of the tenant's contacts, with an `ETag` for conditional requests.
     */
    getContact(params: GetContactParams, options?: RequestOptions): Promise<GetContactResult>;
    /**
     * List jobs — `GET /v1/jobs`
     *
     * The tenant's jobs, newest first, optionally filtered by status, contact and update time.
     */
    listJobs: {
        (params?: ListJobsParams, options?: RequestOptions): Promise<ListJobsResult>;
        /** Every item of every page, fetched lazily over `nextCursor`: `for await (const item of client.listJobs.all(…))`. */
        all(params?: Omit<ListJobsParams, 'cursor'>, options?: RequestOptions): AsyncIterableIterator<ListJobsResult['data'][number]>;
    };
    /**
     * Get a job — `GET /v1/jobs/{jobId}`
     *
     * One of the tenant's jobs, with its status and progress, and an `ETag` for conditional requests.
     */
    getJob(params: GetJobParams, options?: RequestOptions): Promise<GetJobResult>;
    /**
     * List a job's files — `GET /v1/jobs/{jobId}/files`
     *
     * The files a job produced, newest first, each with a fresh signed `downloadUrl`.
     */
    listJobFiles: {
        (params: ListJobFilesParams, options?: RequestOptions): Promise<ListJobFilesResult>;
        /** Every item of every page, fetched lazily over `nextCursor`: `for await (const item of client.listJobFiles.all(…))`. */
        all(params: Omit<ListJobFilesParams, 'cursor'>, options?: RequestOptions): AsyncIterableIterator<ListJobFilesResult['data'][number]>;
    };
    /**
     * Get a job's file — `GET /v1/jobs/{jobId}/files/{fileId}`
     *
     * One file's metadata with a fresh signed `downloadUrl`, valid for 15 minutes.
     */
    getJobFile(params: GetJobFileParams, options?: RequestOptions): Promise<GetJobFileResult>;
    /**
     * Get the tenant's usage — `GET /v1/usage`
     *
     * How the calling tenant used this API, per UTC day or calendar month from `from` to `to` (both inclusive):
     * requests by operation and status class, the `429`s among them, and the downloads with the bytes they
     * served. Every period of the range is listed, in order, even when nothing was used in it.
     *
     * Every answered request of the tenant counts (authenticated by its API key or token, or a download by its
     * signed URL), including the ones refused with `4xx`, at the time it is answered. Counts reach the store every
     * few seconds, so the latest seconds may not show yet. At most 366 days (`granularity=day`) or 36 months
     * (`granularity=month`) per request: a longer range, or `from` after `to`, is `400` naming the parameter.
     */
    getUsage(params?: GetUsageParams, options?: RequestOptions): Promise<GetUsageResult>;
    /**
     * Download a file through its signed URL — `GET /v1/downloads/{fileId}`
     *
     * The target of a `downloadUrl`. Authorized by its signature alone (no `Authorization` header), until
     * `expires`. Supports `Range` (RFC 9110), `If-None-Match` and `If-Range`; answers are never cached.
     */
    downloadFile(params: DownloadFileParams, options?: RequestOptions): Promise<DownloadFileResult>;
    /**
     * Check a file through its signed URL — `HEAD /v1/downloads/{fileId}`
     *
     * Same as `downloadFile` without the body.
     */
    headDownloadFile(params: HeadDownloadFileParams, options?: RequestOptions): Promise<HeadDownloadFileResult>;
}
/**
 * A client for the Portal API.
 *
 * @example
 * const portal = createPortalClient({ baseUrl: 'https://api.portal.example.com', getToken: async () => session.token });
 * for await (const item of portal.listContacts.all()) console.log(item);
 * const one = await portal.getContact({ contactId: "con_4k9Qx2VbN7mT1pLs8ZrY3a" });
 */
export declare function createPortalClient(options: PortalClientOptions): PortalClient;
