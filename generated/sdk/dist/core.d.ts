/**
 * The generic runtime of the Portal API SDK: authentication, the retry loop (GET/HEAD on 429/503/504 and network
 * errors, honouring `Retry-After` up to a cap, else exponential backoff with jitter), per-attempt timeouts, the
 * caller's AbortSignal, typed errors and auto-pagination. It knows nothing about individual operations: those are
 * generated from the spec into `generated/sdk/src/index.ts` by `npm run generate`, which copies this file next to
 * them. Browser- and Node-safe: fetch, AbortController and timers only, no Node imports.
 */
/** RFC 9457 problem details as the Portal API sends them (`traceId`, `errors[]` on validation failures). */
export interface Problem {
    type: string;
    title: string;
    status: number;
    detail?: string;
    instance?: string;
    traceId?: string;
    errors?: {
        location: string;
        name: string;
        message: string;
    }[];
    [extension: string]: unknown;
}
export interface RetryInfo {
    operationId: string;
    /** The attempt about to be made (1 = the first retry). */
    attempt: number;
    delayMs: number;
    /** Why the previous attempt failed. */
    error: PortalError;
}
export interface PortalClientOptions {
    /** Where the API lives, e.g. `https://api.portal.example.com` (no trailing `/v1`). */
    baseUrl: string;
    /** A static bearer token (API key or JWT). */
    token?: string;
    /** Called before every attempt (retries included), so a refreshed token is picked up. Wins over `token`. */
    getToken?: () => string | Promise<string>;
    /** Retries after the first attempt for GET/HEAD on 429, 503, 504, timeouts and network errors. Default 2. */
    maxRetries?: number;
    /** Timeout of each attempt, reading the body included; 0 = none. Default 30 000 ms. */
    timeoutMs?: number;
    /**
     * The longest `Retry-After` the client waits for. A server asking for longer fails fast with the error (its
     * `retryAfterSeconds` says how long) instead of blocking the caller. Default 60 000 ms.
     */
    maxRetryDelayMs?: number;
    /** A fetch implementation (tests, proxies, instrumentation). Default `globalThis.fetch`. */
    fetch?: (input: Request) => Promise<Response>;
    /** Headers sent with every request (e.g. `traceparent`). */
    headers?: Record<string, string>;
    /** Called before each retry's wait: logging, metrics. */
    onRetry?: (info: RetryInfo) => void;
    /**
     * Called once per process for each deprecated thing this program uses (a method, a parameter, or an answer
     * the API marked with `Deprecation`), instead of the default warning (Node's `process.emitWarning` as a
     * DeprecationWarning, else `console.warn`).
     */
    onDeprecation?: (info: DeprecationInfo) => void;
}
export interface DeprecationInfo {
    /** `getJob`, `listContacts:q`, or `getJob (Deprecation header)` for what the API said. */
    key: string;
    message: string;
}
export interface RequestOptions {
    /** Cancels the call, its retries and their waits; the promise rejects with the signal's reason. */
    signal?: AbortSignal;
    timeoutMs?: number;
    maxRetries?: number;
    headers?: Record<string, string>;
}
export type PortalApiErrorKind = 'bad_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'range_not_satisfiable' | 'rate_limited' | 'internal' | 'service_unavailable' | 'gateway_timeout' | 'http_error';
/** Every failure the SDK throws (except the caller's own abort, which rejects with the signal's reason). */
export declare class PortalError extends Error {
    name: string;
    readonly operationId: string;
    constructor(operationId: string, message: string, options?: {
        cause?: unknown;
    });
}
/** The API answered with an error status; `problem` holds its RFC 9457 body. */
export declare class PortalApiError extends PortalError {
    name: string;
    readonly kind: PortalApiErrorKind;
    readonly status: number;
    readonly problem: Problem;
    /** Quote it to support: it finds the request in the API's logs and traces. */
    readonly traceId: string | undefined;
    /** From `Retry-After` (429, 503), in seconds. */
    readonly retryAfterSeconds: number | undefined;
    readonly headers: Headers;
    constructor(operationId: string, status: number, problem: Problem, headers: Headers);
}
export declare class BadRequestError extends PortalApiError {
    name: string;
    readonly kind: "bad_request";
}
export declare class UnauthorizedError extends PortalApiError {
    name: string;
    readonly kind: "unauthorized";
}
export declare class ForbiddenError extends PortalApiError {
    name: string;
    readonly kind: "forbidden";
}
export declare class NotFoundError extends PortalApiError {
    name: string;
    readonly kind: "not_found";
}
export declare class RangeNotSatisfiableError extends PortalApiError {
    name: string;
    readonly kind: "range_not_satisfiable";
}
export declare class RateLimitedError extends PortalApiError {
    name: string;
    readonly kind: "rate_limited";
}
export declare class InternalServerError extends PortalApiError {
    name: string;
    readonly kind: "internal";
}
export declare class ServiceUnavailableError extends PortalApiError {
    name: string;
    readonly kind: "service_unavailable";
}
export declare class GatewayTimeoutError extends PortalApiError {
    name: string;
    readonly kind: "gateway_timeout";
}
/** No HTTP answer: DNS, refused or reset connection, or — in a browser — a CORS refusal (indistinguishable). */
export declare class PortalConnectionError extends PortalError {
    name: string;
    readonly kind: "connection";
}
/** An attempt took longer than `timeoutMs`. */
export declare class PortalTimeoutError extends PortalError {
    name: string;
    readonly kind: "timeout";
}
/** The typed error for an error response; bodies that are not problems (HEAD, proxies) get a minimal one. */
export declare function errorFromResponse(operationId: string, response: Response, body: unknown): PortalApiError;
/** Exponential backoff with "equal jitter": half fixed, half random, so clients that failed together spread out. */
export declare function backoffMs(retry: number): number;
/** What one attempt gets: the attempt's signal (timeout + caller) and its headers (auth included). */
export interface AttemptInit {
    signal: AbortSignal;
    headers: Record<string, string>;
}
/** What one attempt returns: openapi-fetch's `{ data | error, response }`. */
export interface AttemptResult<T> {
    data?: T;
    error?: unknown;
    response: Response;
}
export interface CallSpec {
    operationId: string;
    method: 'GET' | 'HEAD';
    /** Public operations (health, signed downloads) are sent without the token. */
    auth: boolean;
}
export interface Core {
    readonly baseUrl: string;
    readonly fetch: (input: Request) => Promise<Response>;
    /** Warns once per process that `key` is deprecated (generated methods call it; answers with `Deprecation` too). */
    deprecated(key: string, message: string): void;
    call<T>(spec: CallSpec, attempt: (init: AttemptInit) => Promise<AttemptResult<T>>, options?: RequestOptions): Promise<T>;
}
export declare function createCore(options: PortalClientOptions): Core;
/** A page of any list operation. */
export interface Page<Item> {
    data: Item[];
    nextCursor?: string | null;
}
/**
 * Every item of a list, page after page over `nextCursor`, fetched lazily: stop iterating and no further page is
 * requested. Each page is one call, with the same retries, timeout and signal.
 */
export declare function paginate<P extends {
    cursor?: string;
}, Item>(listPage: (params: P, options?: RequestOptions) => Promise<Page<Item>>, params: Omit<P, 'cursor'>, options?: RequestOptions): AsyncGenerator<Item, void, undefined>;
