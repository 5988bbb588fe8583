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
  errors?: { location: string; name: string; message: string }[];
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

export type PortalApiErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'range_not_satisfiable'
  | 'rate_limited'
  | 'internal'
  | 'service_unavailable'
  | 'gateway_timeout'
  | 'http_error';

/** Every failure the SDK throws (except the caller's own abort, which rejects with the signal's reason). */
export class PortalError extends Error {
  override name = 'PortalError';
  readonly operationId: string;
  constructor(operationId: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.operationId = operationId;
  }
}

/** The API answered with an error status; `problem` holds its RFC 9457 body. */
export class PortalApiError extends PortalError {
  override name = 'PortalApiError';
  readonly kind: PortalApiErrorKind = 'http_error';
  readonly status: number;
  readonly problem: Problem;
  /** Quote it to support: it finds the request in the API's logs and traces. */
  readonly traceId: string | undefined;
  /** From `Retry-After` (429, 503), in seconds. */
  readonly retryAfterSeconds: number | undefined;
  readonly headers: Headers;
  constructor(operationId: string, status: number, problem: Problem, headers: Headers) {
    const traceId = problem.traceId ?? traceIdFrom(headers.get('traceparent'));
    super(operationId, `${operationId}: ${status} ${problem.title}${problem.detail ? ` — ${problem.detail}` : ''}${traceId ? ` (traceId ${traceId})` : ''}`);
    this.status = status;
    this.problem = problem;
    this.traceId = traceId;
    this.retryAfterSeconds = retryAfterSeconds(headers.get('retry-after'));
    this.headers = headers;
  }
}

export class BadRequestError extends PortalApiError {
  override name = 'BadRequestError';
  override readonly kind = 'bad_request' as const;
}
export class UnauthorizedError extends PortalApiError {
  override name = 'UnauthorizedError';
  override readonly kind = 'unauthorized' as const;
}
export class ForbiddenError extends PortalApiError {
  override name = 'ForbiddenError';
  override readonly kind = 'forbidden' as const;
}
export class NotFoundError extends PortalApiError {
  override name = 'NotFoundError';
  override readonly kind = 'not_found' as const;
}
export class RangeNotSatisfiableError extends PortalApiError {
  override name = 'RangeNotSatisfiableError';
  override readonly kind = 'range_not_satisfiable' as const;
}
export class RateLimitedError extends PortalApiError {
  override name = 'RateLimitedError';
  override readonly kind = 'rate_limited' as const;
}
export class InternalServerError extends PortalApiError {
  override name = 'InternalServerError';
  override readonly kind = 'internal' as const;
}
export class ServiceUnavailableError extends PortalApiError {
  override name = 'ServiceUnavailableError';
  override readonly kind = 'service_unavailable' as const;
}
export class GatewayTimeoutError extends PortalApiError {
  override name = 'GatewayTimeoutError';
  override readonly kind = 'gateway_timeout' as const;
}

/** No HTTP answer: DNS, refused or reset connection, or — in a browser — a CORS refusal (indistinguishable). */
export class PortalConnectionError extends PortalError {
  override name = 'PortalConnectionError';
  readonly kind = 'connection' as const;
}
/** An attempt took longer than `timeoutMs`. */
export class PortalTimeoutError extends PortalError {
  override name = 'PortalTimeoutError';
  readonly kind = 'timeout' as const;
}

const ERROR_CLASSES: Record<number, typeof PortalApiError> = {
  400: BadRequestError,
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  416: RangeNotSatisfiableError,
  429: RateLimitedError,
  500: InternalServerError,
  503: ServiceUnavailableError,
  504: GatewayTimeoutError,
};

function traceIdFrom(traceparent: string | null): string | undefined {
  return /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceparent ?? '')?.[1];
}

function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && typeof (body as Problem).title === 'string' && typeof (body as Problem).status === 'number';
}

/** The typed error for an error response; bodies that are not problems (HEAD, proxies) get a minimal one. */
export function errorFromResponse(operationId: string, response: Response, body: unknown): PortalApiError {
  const problem: Problem = isProblem(body) ? body : { type: 'about:blank', title: response.statusText || `HTTP ${response.status}`, status: response.status };
  const ErrorClass = ERROR_CLASSES[response.status] ?? PortalApiError;
  return new ErrorClass(operationId, response.status, problem, response.headers);
}

const RETRY_STATUSES = new Set([429, 503, 504]);
const BASE_DELAY_MS = 500;
const MAX_BACKOFF_MS = 8_000;

/** Exponential backoff with "equal jitter": half fixed, half random, so clients that failed together spread out. */
export function backoffMs(retry: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, BASE_DELAY_MS * 2 ** retry);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

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

/** What this process was already warned about: each deprecation is reported once, however many clients. */
const warned = new Set<string>();

function nonNegativeInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw new TypeError(`${name} must be a non-negative integer, got ${String(value)}`);
  return value;
}

export function createCore(options: PortalClientOptions): Core {
  if (typeof options?.baseUrl !== 'string' || !/^https?:\/\//.test(options.baseUrl)) {
    throw new TypeError('createPortalClient: baseUrl must be an absolute http(s) URL');
  }
  const maxRetries = nonNegativeInt('maxRetries', options.maxRetries, 2);
  const timeoutMs = nonNegativeInt('timeoutMs', options.timeoutMs, 30_000);
  const maxRetryDelayMs = nonNegativeInt('maxRetryDelayMs', options.maxRetryDelayMs, 60_000);
  const doFetch = (input: Request) => (options.fetch ? options.fetch(input) : globalThis.fetch(input));

  async function headersFor(spec: CallSpec, extra: Record<string, string> | undefined): Promise<Record<string, string>> {
    const headers: Record<string, string> = { ...options.headers, ...extra };
    if (spec.auth) {
      const token = options.getToken ? await options.getToken() : options.token;
      if (token) headers.Authorization = `Bearer ${token}`;
    }
    return headers;
  }

  function deprecated(key: string, message: string): void {
    if (warned.has(key)) return;
    warned.add(key);
    if (options.onDeprecation) return options.onDeprecation({ key, message });
    const proc = (globalThis as { process?: { emitWarning?: (m: string, o: { type: string; code: string }) => void } }).process;
    if (proc?.emitWarning) proc.emitWarning(message, { type: 'DeprecationWarning', code: 'PORTAL_API_DEPRECATED' });
    else console.warn(`DeprecationWarning: ${message}`);
  }

  /** RFC 9745/8594: the API marks answers to deprecated operations, parameters and fields. */
  function checkDeprecation(operationId: string, headers: Headers): void {
    const since = headers.get('deprecation');
    if (since === null || warned.has(`${operationId} (Deprecation header)`)) return;
    const at = /^@(\d+)$/.exec(since.trim());
    const sunset = headers.get('sunset');
    const link = /<([^>]+)>\s*;\s*rel="?deprecation"?/.exec(headers.get('link') ?? '')?.[1];
    deprecated(
      `${operationId} (Deprecation header)`,
      `${operationId}: the API says this request uses something deprecated${at ? ` (since ${new Date(Number(at[1]) * 1000).toISOString().slice(0, 10)})` : ''}${sunset ? `; sunset ${sunset}` : ''}.${link ? ` See ${link}` : ''}`,
    );
  }

  async function call<T>(spec: CallSpec, attempt: (init: AttemptInit) => Promise<AttemptResult<T>>, req: RequestOptions = {}): Promise<T> {
    const caller = req.signal;
    const retries = nonNegativeInt('maxRetries', req.maxRetries, maxRetries);
    const perAttemptMs = nonNegativeInt('timeoutMs', req.timeoutMs, timeoutMs);
    for (let n = 0; ; n++) {
      if (caller?.aborted) throw caller.reason;
      const headers = await headersFor(spec, req.headers);
      const controller = new AbortController();
      let timedOut = false;
      const timer =
        perAttemptMs > 0
          ? setTimeout(() => {
              timedOut = true;
              controller.abort();
            }, perAttemptMs)
          : undefined;
      const onAbort = () => controller.abort(caller?.reason);
      caller?.addEventListener('abort', onAbort, { once: true });

      let failure: PortalError;
      let delayMs: number | undefined;
      try {
        const result = await attempt({ signal: controller.signal, headers });
        checkDeprecation(spec.operationId, result.response.headers);
        if (result.response.ok) return result.data as T;
        const error = errorFromResponse(spec.operationId, result.response, result.error);
        if (!RETRY_STATUSES.has(error.status)) throw error;
        failure = error;
        if (error.retryAfterSeconds !== undefined) {
          // Waiting less than the server asked would only earn another refusal; waiting longer than the cap
          // would hang the caller. Past the cap, the caller gets the error and its retryAfterSeconds.
          if (error.retryAfterSeconds * 1000 > maxRetryDelayMs) throw error;
          delayMs = error.retryAfterSeconds * 1000;
        }
      } catch (err) {
        if (err instanceof PortalApiError) throw err;
        if (caller?.aborted) throw caller.reason;
        failure = timedOut
          ? new PortalTimeoutError(spec.operationId, `${spec.operationId}: no answer within ${perAttemptMs} ms`, { cause: err })
          : new PortalConnectionError(spec.operationId, `${spec.operationId}: ${err instanceof Error ? err.message : 'network error'}`, { cause: err });
      } finally {
        clearTimeout(timer);
        caller?.removeEventListener('abort', onAbort);
      }
      // Only reads are retried: a repeated GET/HEAD cannot change anything on the server.
      if (n >= retries || (spec.method !== 'GET' && spec.method !== 'HEAD')) throw failure;
      const wait = delayMs ?? backoffMs(n);
      options.onRetry?.({ operationId: spec.operationId, attempt: n + 1, delayMs: wait, error: failure });
      await sleep(wait, caller);
    }
  }

  return { baseUrl: options.baseUrl.replace(/\/+$/, ''), fetch: doFetch, deprecated, call };
}

/** A page of any list operation. */
export interface Page<Item> {
  data: Item[];
  nextCursor?: string | null;
}

/**
 * Every item of a list, page after page over `nextCursor`, fetched lazily: stop iterating and no further page is
 * requested. Each page is one call, with the same retries, timeout and signal.
 */
export async function* paginate<P extends { cursor?: string }, Item>(
  listPage: (params: P, options?: RequestOptions) => Promise<Page<Item>>,
  params: Omit<P, 'cursor'>,
  options?: RequestOptions,
): AsyncGenerator<Item, void, undefined> {
  let cursor: string | undefined;
  for (;;) {
    const page = await listPage({ ...params, cursor } as P, options);
    yield* page.data;
    const next = page.nextCursor ?? undefined;
    if (next === undefined) return;
    // A server repeating a cursor would loop forever; fail loudly instead.
    if (next === cursor) throw new Error('paginate: the API returned the same cursor twice');
    cursor = next;
  }
}
