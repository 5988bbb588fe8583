export interface paths {
    "/v1/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Report the API's health
         * @description Public. `200` while the API can serve (`ok` or `degraded`), `503` when it cannot (`down`).
         */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/contacts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List contacts
         * @description The tenant's contacts, newest first, optionally filtered.
         */
        get: operations["listContacts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/contacts/{contactId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a contact
         * @description One of the tenant's contacts, with an `ETag` for conditional requests.
         */
        get: operations["getContact"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List jobs
         * @description The tenant's jobs, newest first, optionally filtered by status, contact and update time.
         */
        get: operations["listJobs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a job
         * @description One of the tenant's jobs, with its status and progress, and an `ETag` for conditional requests.
         */
        get: operations["getJob"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{jobId}/files": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a job's files
         * @description The files a job produced, newest first, each with a fresh signed `downloadUrl`.
         */
        get: operations["listJobFiles"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{jobId}/files/{fileId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a job's file
         * @description One file's metadata with a fresh signed `downloadUrl`, valid for 15 minutes.
         */
        get: operations["getJobFile"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get the tenant's usage
         * @description How the calling tenant used this API, per UTC day or calendar month from `from` to `to` (both inclusive):
         *     requests by operation and status class, the `429`s among them, and the downloads with the bytes they
         *     served. Every period of the range is listed, in order, even when nothing was used in it.
         *
         *     Every answered request of the tenant counts (authenticated by its API key or token, or a download by its
         *     signed URL), including the ones refused with `4xx`, at the time it is answered. Counts reach the store every
         *     few seconds, so the latest seconds may not show yet. At most 366 days (`granularity=day`) or 36 months
         *     (`granularity=month`) per request: a longer range, or `from` after `to`, is `400` naming the parameter.
         */
        get: operations["getUsage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/downloads/{fileId}": {
        parameters: {
            query: {
                /**
                 * @description The tenant the signed URL was issued for.
                 * @example ten_acme
                 */
                tenant: components["parameters"]["SignedTenant"];
                /**
                 * @description When the signed URL stops working, in Unix seconds.
                 * @example 1756801598
                 */
                expires: components["parameters"]["SignedExpires"];
                /**
                 * @description The id of the signing key.
                 * @example k1
                 */
                kid: components["parameters"]["SignedKeyId"];
                /**
                 * @description The URL's HMAC-SHA256 signature, base64url.
                 * @example 3q2-7w
                 */
                sig: components["parameters"]["SignedSignature"];
            };
            header?: never;
            path: {
                /**
                 * @description The file's id.
                 * @example fil_9sD3fG6hJ1kL4zX7cV2bN8
                 */
                fileId: components["parameters"]["FileIdPath"];
            };
            cookie?: never;
        };
        /**
         * Download a file through its signed URL
         * @description The target of a `downloadUrl`. Authorized by its signature alone (no `Authorization` header), until
         *     `expires`. Supports `Range` (RFC 9110), `If-None-Match` and `If-Range`; answers are never cached.
         */
        get: operations["downloadFile"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        /**
         * Check a file through its signed URL
         * @description Same as `downloadFile` without the body.
         */
        head: operations["headDownloadFile"];
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * Format: date
         * @description A UTC calendar day (RFC 3339 full-date).
         * @example 2026-11-01
         */
        UsageDate: string;
        /**
         * Format: int64
         * @description A count (at most 2^53 - 1, the largest integer JSON clients read exactly).
         * @example 1520
         */
        UsageCount: number;
        /** @description Requests by the class of their answer's status code. */
        StatusClassCounts: {
            "2xx": components["schemas"]["UsageCount"];
            "3xx": components["schemas"]["UsageCount"];
            "4xx": components["schemas"]["UsageCount"];
            "5xx": components["schemas"]["UsageCount"];
        };
        /** @description One operation's requests in a period. */
        OperationUsage: {
            /**
             * @description The operation's `operationId` in this contract.
             * @example listJobs
             */
            operationId: string;
            requests: components["schemas"]["UsageCount"];
            statusClasses: components["schemas"]["StatusClassCounts"];
        };
        /** @description The tenant's usage in one day or month. */
        UsagePeriod: {
            start: components["schemas"]["UsageDate"];
            end: components["schemas"]["UsageDate"];
            requests: components["schemas"]["UsageCount"];
            rateLimited: components["schemas"]["UsageCount"];
            downloads: components["schemas"]["UsageCount"];
            bytes: components["schemas"]["UsageCount"];
            /** @description The operations used in the period, by operationId. */
            operations: components["schemas"]["OperationUsage"][];
        };
        /** @description The tenant's usage from `from` to `to`: every period of the range, in order. */
        Usage: {
            tenantId: components["schemas"]["TenantId"];
            from: components["schemas"]["UsageDate"];
            to: components["schemas"]["UsageDate"];
            /**
             * @example month
             * @enum {string}
             */
            granularity: "day" | "month";
            periods: components["schemas"]["UsagePeriod"][];
        };
        /**
         * @description A tenant's id.
         * @example ten_acme
         */
        TenantId: string;
        /**
         * @description A contact id: `con_` and 22 random base62 characters (~131 bits).
         * @example con_4k9Qx2VbN7mT1pLs8ZrY3a
         */
        ContactId: string;
        /**
         * @description A job id: `job_` and 22 random base62 characters (~131 bits).
         * @example job_7hR2mK9pQ4xW1nV8bT3cZs
         */
        JobId: string;
        /**
         * @description A file id: `fil_` and 22 random base62 characters (~131 bits).
         * @example fil_9sD3fG6hJ1kL4zX7cV2bN8
         */
        FileId: string;
        /**
         * @description An opaque, tamper-evident pagination cursor.
         * @example eyJrIjpbIjIwMjUtMDgtMTRUMDk6MTI6NDRaIl19.c2ln
         */
        Cursor: string;
        /**
         * Format: date-time
         * @description An RFC 3339 instant in UTC.
         * @example 2025-09-02T08:00:00Z
         */
        Timestamp: string;
        /** @description A person or organisation the tenant works with. */
        Contact: {
            id: components["schemas"]["ContactId"];
            /** @example Ada Lovelace */
            name: string;
            /**
             * Format: email
             * @example ada@acme.example
             */
            email: string;
            /**
             * @description Phone number as entered, E.164 where known.
             * @example +44 20 7946 0958
             */
            phone: string | null;
            /** @example Acme Analytics */
            company: string | null;
            /** @example Head of Data */
            role: string | null;
            createdAt: components["schemas"]["Timestamp"];
            updatedAt: components["schemas"]["Timestamp"];
        };
        /** @description A page of contacts. */
        ContactList: {
            data: components["schemas"]["Contact"][];
            nextCursor: components["schemas"]["NextCursor"];
        };
        /**
         * @description A job's lifecycle state.
         * @example running
         * @enum {string}
         */
        JobStatus: "queued" | "running" | "succeeded" | "failed" | "cancelled";
        /** @description A unit of work run for the tenant. */
        Job: {
            id: components["schemas"]["JobId"];
            /** @example Quarterly revenue export */
            title: string;
            status: components["schemas"]["JobStatus"];
            contactId: components["schemas"]["ContactId"];
            /**
             * Format: int32
             * @description Percent done; 100 once succeeded.
             * @example 42
             */
            progress: number;
            /**
             * Format: int32
             * @description How many files the job produced.
             * @example 3
             */
            fileCount: number;
            createdAt: components["schemas"]["Timestamp"];
            updatedAt: components["schemas"]["Timestamp"];
            /** @description When the job started running; null while queued. */
            startedAt: components["schemas"]["Timestamp"] | null;
            /** @description When the job reached succeeded, failed or cancelled; null before. */
            completedAt: components["schemas"]["Timestamp"] | null;
        };
        /** @description A page of jobs. */
        JobList: {
            data: components["schemas"]["Job"][];
            nextCursor: components["schemas"]["NextCursor"];
        };
        /** @description A file a job produced, with a signed URL to download it. */
        File: {
            id: components["schemas"]["FileId"];
            jobId: components["schemas"]["JobId"];
            /** @example revenue-2025-q3.csv */
            name: string;
            /**
             * @description The file's media type (RFC 6838), with parameters if any; `application/octet-stream` when it was not a valid one.
             * @example text/csv
             */
            contentType: string;
            /**
             * Format: int64
             * @description Size in bytes (at most 2^53 - 1: the largest integer JSON clients read exactly).
             * @example 48213
             */
            size: number;
            /**
             * @description Hex SHA-256 of the bytes.
             * @example 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
             */
            sha256: string;
            createdAt: components["schemas"]["Timestamp"];
            /**
             * Format: uri
             * @description A signed URL for the bytes; works without credentials until `expiresAt` (15 minutes).
             * @example https://api.portal.example.com/v1/downloads/fil_9sD3fG6hJ1kL4zX7cV2bN8?tenant=ten_acme&expires=1756801598&kid=k1&sig=3q2-7w
             */
            downloadUrl: string;
            expiresAt: components["schemas"]["Timestamp"];
        };
        /** @description A page of a job's files. */
        FileList: {
            data: components["schemas"]["File"][];
            nextCursor: components["schemas"]["NextCursor"];
        };
        /** @description The cursor of the next page, or null on the last page. */
        NextCursor: components["schemas"]["Cursor"] | null;
        /**
         * @description `ok`: all good; `degraded`: serving, but a dependency is slow or recovering; `down`: cannot serve.
         * @example ok
         * @enum {string}
         */
        HealthStatus: "ok" | "degraded" | "down";
        /** @description One dependency's health. */
        HealthCheck: {
            status: components["schemas"]["HealthStatus"];
            /**
             * Format: int32
             * @example 2
             */
            latencyMs?: number;
            /** @example circuit half-open */
            detail?: string;
        };
        /** @description The API's health and that of each dependency. */
        Health: {
            status: components["schemas"]["HealthStatus"];
            /**
             * @description The server's version (semver).
             * @example 1.0.0
             */
            version: string;
            /**
             * @example {
             *       "backend": {
             *         "status": "ok",
             *         "latencyMs": 2
             *       }
             *     }
             */
            checks: {
                [key: string]: components["schemas"]["HealthCheck"];
            };
        };
        /** @description One invalid part of the request. */
        ValidationError: {
            /**
             * @example query
             * @enum {string}
             */
            location: "query" | "path" | "header" | "body";
            /**
             * @description The parameter's name (a path segment that is no parameter: the segment as sent).
             * @example limit
             */
            name: string;
            /** @example must be <= 100 */
            message: string;
        };
        /** @description An RFC 9457 problem detail. */
        Problem: {
            /**
             * Format: uri-reference
             * @example https://api.portal.example.com/problems/not-found
             */
            type: string;
            /** @example Not found */
            title: string;
            /**
             * Format: int32
             * @example 404
             */
            status: number;
            /** @example No job job_7hR2mK9pQ4xW1nV8bT3cZs. */
            detail?: string;
            /**
             * Format: uri-reference
             * @example /v1/jobs/job_7hR2mK9pQ4xW1nV8bT3cZs
             */
            instance?: string;
            /** @example 4bf92f3577b34da6a3ce929d0e0e4736 */
            traceId: string;
            errors?: components["schemas"]["ValidationError"][];
        };
    };
    responses: {
        /** @description The representation has not changed since the `ETag` sent in `If-None-Match`. */
        NotModified: {
            headers: {
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                ETag: components["headers"]["ETag"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                [name: string]: unknown;
            };
            content?: never;
        };
        /**
         * @description A parameter is missing, malformed or out of range; `errors[]` names each one. The same answer, before any
         *     parameter is read, for a request target that holds what no value may: NUL (anywhere), or in the path an
         *     encoded slash or backslash, a dot segment (`.` or `..`), double or broken percent-encoding, a control
         *     character or an empty segment. `errors[]` then names the refused part: the query parameter, or the path
         *     parameter (the segment as sent when it is no parameter), with `location` `query` or `path`. A request with a
         *     body, or one the server cannot parse at all, is refused the same way without `errors[]`.
         */
        BadRequest: {
            headers: {
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The `Authorization` header is missing, or its token is invalid, expired or revoked. */
        Unauthorized: {
            headers: {
                "WWW-Authenticate": components["headers"]["WWWAuthenticate"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The token is valid but lacks the scope this operation needs, or the request's origin is not allowed. */
        Forbidden: {
            headers: {
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The request's `Origin` is not in the API's CORS allow-list. */
        OriginNotAllowed: {
            headers: {
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The signed URL's signature is invalid, or the URL has expired (or the request's `Origin` is not allowed). */
        SignatureRejected: {
            headers: {
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Cache-Control": components["headers"]["CacheControlNoStore"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No such resource for this tenant. */
        NotFound: {
            headers: {
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The path exists but not with this method; this API is read-only. `Allow` lists the methods it has. */
        MethodNotAllowed: {
            headers: {
                Allow: components["headers"]["Allow"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The request's headers did not arrive in time (10 s by default); the connection is closed. */
        RequestTimeout: {
            headers: {
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The request target (path and query) is longer than 2048 characters. */
        UriTooLong: {
            headers: {
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The request line and headers together are larger than the server accepts (16 KiB by default); the connection is closed. */
        HeadersTooLarge: {
            headers: {
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No requested range overlaps the file. */
        RangeNotSatisfiable: {
            headers: {
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Content-Range": components["headers"]["ContentRange"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The client's rate limit is spent; retry after `Retry-After` seconds. */
        TooManyRequests: {
            headers: {
                "Retry-After": components["headers"]["RetryAfter"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description An unexpected error. The body never holds internals; quote `traceId` to support. */
        InternalError: {
            headers: {
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The data backend is unavailable (circuit open or overloaded); retry after `Retry-After` seconds. */
        ServiceUnavailable: {
            headers: {
                "Retry-After": components["headers"]["RetryAfter"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The data backend did not answer within the 5 s timeout. */
        GatewayTimeout: {
            headers: {
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: {
        /**
         * @description How many items a page holds at most.
         * @example 25
         */
        Limit: number;
        /** @description The `nextCursor` of the previous page, as it was. Opaque and bound to the list and its filters. */
        Cursor: components["schemas"]["Cursor"];
        /**
         * @description Only items updated at or after this instant (RFC 3339).
         * @example 2025-09-01T00:00:00Z
         */
        UpdatedSince: string;
        /**
         * @description An `ETag` from an earlier answer; if it still matches, the answer is `304` with no body.
         * @example "3f2a9c1e7b"
         */
        IfNoneMatch: string;
        /**
         * @description Serve the `Range` only if the file still has this `ETag`; otherwise the whole file.
         * @example "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
         */
        IfRange: string;
        /**
         * @description One or more byte ranges (RFC 9110 §14.2), e.g. `bytes=0-1023`.
         * @example bytes=0-1023
         */
        Range: string;
        /**
         * @description The contact's id.
         * @example con_4k9Qx2VbN7mT1pLs8ZrY3a
         */
        ContactIdPath: components["schemas"]["ContactId"];
        /**
         * @description The job's id.
         * @example job_7hR2mK9pQ4xW1nV8bT3cZs
         */
        JobIdPath: components["schemas"]["JobId"];
        /**
         * @description The file's id.
         * @example fil_9sD3fG6hJ1kL4zX7cV2bN8
         */
        FileIdPath: components["schemas"]["FileId"];
        /**
         * @description The tenant the signed URL was issued for.
         * @example ten_acme
         */
        SignedTenant: components["schemas"]["TenantId"];
        /**
         * @description When the signed URL stops working, in Unix seconds.
         * @example 1756801598
         */
        SignedExpires: number;
        /**
         * @description The id of the signing key.
         * @example k1
         */
        SignedKeyId: string;
        /**
         * @description The URL's HMAC-SHA256 signature, base64url.
         * @example 3q2-7w
         */
        SignedSignature: string;
    };
    requestBodies: never;
    headers: {
        /**
         * @description The client's remaining quota in the current window (IETF draft-ietf-httpapi-ratelimit-headers-08).
         * @example "60-in-1min"; r=59; t=60
         */
        RateLimit: string;
        /**
         * @description The quota policy that applies (IETF draft-ietf-httpapi-ratelimit-headers-08).
         * @example "60-in-1min"; q=60; w=60
         */
        RateLimitPolicy: string;
        /**
         * @description Seconds to wait before trying again.
         * @example 42
         */
        RetryAfter: number;
        /**
         * @description The representation's entity tag; send it in `If-None-Match`.
         * @example "3f2a9c1e7b"
         */
        ETag: string;
        /**
         * @description RFC 8288 links: the next page, `<…>; rel="next"` (absent on the last page), and, when something the request uses is deprecated, `<…>; rel="deprecation"` (RFC 9745).
         * @example </v1/jobs?limit=25&cursor=eyJrIjpbXX0.c2ln>; rel="next"
         */
        Link: string;
        /**
         * @description Never cached.
         * @example private, max-age=0, no-store
         */
        CacheControlNoStore: "private, max-age=0, no-store";
        /**
         * @description Always an attachment, with the file's name (RFC 6266, RFC 8187).
         * @example attachment; filename="revenue-2025-q3.csv"; filename*=UTF-8''revenue-2025-q3.csv
         */
        ContentDisposition: string;
        /**
         * @description The range served, of the whole size.
         * @example bytes 0-1023/48213
         */
        ContentRange: string;
        /**
         * @description Byte ranges are supported.
         * @example bytes
         */
        AcceptRanges: "bytes";
        /**
         * @description The methods the resource supports (RFC 9110 §10.2.1).
         * @example GET, HEAD, OPTIONS
         */
        Allow: string;
        /**
         * @description CORS (`src/security/cors.ts`): the request's `Origin`, echoed when it is in the allow-list
         *     (`PORTAL_CORS_ORIGINS`); absent for requests without an `Origin` (servers, curl) or from the API's own
         *     origin. A request from any other origin is refused with `403`.
         * @example https://portal.example.com
         */
        AccessControlAllowOrigin: string;
        /**
         * @description The Bearer challenge (RFC 6750).
         * @example Bearer error="invalid_token"
         */
        WWWAuthenticate: string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The API can serve requests. */
            200: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Cache-Control": components["headers"]["CacheControlNoStore"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            400: components["responses"]["BadRequest"];
            403: components["responses"]["OriginNotAllowed"];
            405: components["responses"]["MethodNotAllowed"];
            408: components["responses"]["RequestTimeout"];
            414: components["responses"]["UriTooLong"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
            /** @description The API cannot serve requests; a dependency is down. */
            503: {
                headers: {
                    "Retry-After": components["headers"]["RetryAfter"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Cache-Control": components["headers"]["CacheControlNoStore"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    listContacts: {
        parameters: {
            query?: {
                /**
                 * @description How many items a page holds at most.
                 * @example 25
                 */
                limit?: components["parameters"]["Limit"];
                /** @description The `nextCursor` of the previous page, as it was. Opaque and bound to the list and its filters. */
                cursor?: components["parameters"]["Cursor"];
                /**
                 * @description Case-insensitive substring of the contact's name or email. Free text: a space may come as `+` or `%20` (`q=ada+lovelace`), as HTML forms and `URLSearchParams` send it.
                 * @example smith
                 */
                q?: string;
                /**
                 * @description Only items updated at or after this instant (RFC 3339).
                 * @example 2025-09-01T00:00:00Z
                 */
                updatedSince?: components["parameters"]["UpdatedSince"];
            };
            header?: {
                /**
                 * @description An `ETag` from an earlier answer; if it still matches, the answer is `304` with no body.
                 * @example "3f2a9c1e7b"
                 */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of contacts. */
            200: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    ETag: components["headers"]["ETag"];
                    Link: components["headers"]["Link"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ContactList"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            405: components["responses"]["MethodNotAllowed"];
            408: components["responses"]["RequestTimeout"];
            414: components["responses"]["UriTooLong"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    getContact: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description An `ETag` from an earlier answer; if it still matches, the answer is `304` with no body.
                 * @example "3f2a9c1e7b"
                 */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                /**
                 * @description The contact's id.
                 * @example con_4k9Qx2VbN7mT1pLs8ZrY3a
                 */
                contactId: components["parameters"]["ContactIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The contact. */
            200: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    ETag: components["headers"]["ETag"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Contact"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            405: components["responses"]["MethodNotAllowed"];
            408: components["responses"]["RequestTimeout"];
            414: components["responses"]["UriTooLong"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    listJobs: {
        parameters: {
            query?: {
                /**
                 * @description How many items a page holds at most.
                 * @example 25
                 */
                limit?: components["parameters"]["Limit"];
                /** @description The `nextCursor` of the previous page, as it was. Opaque and bound to the list and its filters. */
                cursor?: components["parameters"]["Cursor"];
                /**
                 * @description Only jobs in this status.
                 * @example running
                 */
                status?: components["schemas"]["JobStatus"];
                /**
                 * @description Only jobs for this contact.
                 * @example con_4k9Qx2VbN7mT1pLs8ZrY3a
                 */
                contactId?: components["schemas"]["ContactId"];
                /**
                 * @description Only items updated at or after this instant (RFC 3339).
                 * @example 2025-09-01T00:00:00Z
                 */
                updatedSince?: components["parameters"]["UpdatedSince"];
            };
            header?: {
                /**
                 * @description An `ETag` from an earlier answer; if it still matches, the answer is `304` with no body.
                 * @example "3f2a9c1e7b"
                 */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of jobs. */
            200: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    ETag: components["headers"]["ETag"];
                    Link: components["headers"]["Link"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobList"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            405: components["responses"]["MethodNotAllowed"];
            408: components["responses"]["RequestTimeout"];
            414: components["responses"]["UriTooLong"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    getJob: {
        parameters: {
            query?: never;
            header?: {
                /**
                 * @description An `ETag` from an earlier answer; if it still matches, the answer is `304` with no body.
                 * @example "3f2a9c1e7b"
                 */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                /**
                 * @description The job's id.
                 * @example job_7hR2mK9pQ4xW1nV8bT3cZs
                 */
                jobId: components["parameters"]["JobIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job. */
            200: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    ETag: components["headers"]["ETag"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            405: components["responses"]["MethodNotAllowed"];
            408: components["responses"]["RequestTimeout"];
            414: components["responses"]["UriTooLong"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    listJobFiles: {
        parameters: {
            query?: {
                /**
                 * @description How many items a page holds at most.
                 * @example 25
                 */
                limit?: components["parameters"]["Limit"];
                /** @description The `nextCursor` of the previous page, as it was. Opaque and bound to the list and its filters. */
                cursor?: components["parameters"]["Cursor"];
            };
            header?: never;
            path: {
                /**
                 * @description The job's id.
                 * @example job_7hR2mK9pQ4xW1nV8bT3cZs
                 */
                jobId: components["parameters"]["JobIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of files. Holds signed URLs, so it is never cached and has no `ETag`. */
            200: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Cache-Control": components["headers"]["CacheControlNoStore"];
                    Link: components["headers"]["Link"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FileList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            405: components["responses"]["MethodNotAllowed"];
            408: components["responses"]["RequestTimeout"];
            414: components["responses"]["UriTooLong"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    getJobFile: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The job's id.
                 * @example job_7hR2mK9pQ4xW1nV8bT3cZs
                 */
                jobId: components["parameters"]["JobIdPath"];
                /**
                 * @description The file's id.
                 * @example fil_9sD3fG6hJ1kL4zX7cV2bN8
                 */
                fileId: components["parameters"]["FileIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file. Holds a signed URL, so it is never cached and has no `ETag`. */
            200: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Cache-Control": components["headers"]["CacheControlNoStore"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["File"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            405: components["responses"]["MethodNotAllowed"];
            408: components["responses"]["RequestTimeout"];
            414: components["responses"]["UriTooLong"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    getUsage: {
        parameters: {
            query?: {
                /**
                 * @description First day (UTC), inclusive. Default: 29 days before `to` for `day`; the first day of the month 11 months before `to`'s for `month`.
                 * @example 2026-11-01
                 */
                from?: components["schemas"]["UsageDate"];
                /**
                 * @description Last day (UTC), inclusive. Default: today.
                 * @example 2026-11-30
                 */
                to?: components["schemas"]["UsageDate"];
                /**
                 * @description `day`: one period per UTC day; `month`: one per calendar month (the range's first and last months may be partial).
                 * @example month
                 */
                granularity?: "day" | "month";
            };
            header?: {
                /**
                 * @description An `ETag` from an earlier answer; if it still matches, the answer is `304` with no body.
                 * @example "3f2a9c1e7b"
                 */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tenant's usage, period by period. */
            200: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    ETag: components["headers"]["ETag"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Usage"];
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            405: components["responses"]["MethodNotAllowed"];
            408: components["responses"]["RequestTimeout"];
            414: components["responses"]["UriTooLong"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    downloadFile: {
        parameters: {
            query: {
                /**
                 * @description The tenant the signed URL was issued for.
                 * @example ten_acme
                 */
                tenant: components["parameters"]["SignedTenant"];
                /**
                 * @description When the signed URL stops working, in Unix seconds.
                 * @example 1756801598
                 */
                expires: components["parameters"]["SignedExpires"];
                /**
                 * @description The id of the signing key.
                 * @example k1
                 */
                kid: components["parameters"]["SignedKeyId"];
                /**
                 * @description The URL's HMAC-SHA256 signature, base64url.
                 * @example 3q2-7w
                 */
                sig: components["parameters"]["SignedSignature"];
            };
            header?: {
                /**
                 * @description One or more byte ranges (RFC 9110 §14.2), e.g. `bytes=0-1023`.
                 * @example bytes=0-1023
                 */
                Range?: components["parameters"]["Range"];
                /**
                 * @description An `ETag` from an earlier answer; if it still matches, the answer is `304` with no body.
                 * @example "3f2a9c1e7b"
                 */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
                /**
                 * @description Serve the `Range` only if the file still has this `ETag`; otherwise the whole file.
                 * @example "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
                 */
                "If-Range"?: components["parameters"]["IfRange"];
            };
            path: {
                /**
                 * @description The file's id.
                 * @example fil_9sD3fG6hJ1kL4zX7cV2bN8
                 */
                fileId: components["parameters"]["FileIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file's bytes. */
            200: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Cache-Control": components["headers"]["CacheControlNoStore"];
                    ETag: components["headers"]["ETag"];
                    "Content-Disposition": components["headers"]["ContentDisposition"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    [name: string]: unknown;
                };
                content: {
                    "*/*": string;
                };
            };
            /** @description The requested byte range of the file. */
            206: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Cache-Control": components["headers"]["CacheControlNoStore"];
                    ETag: components["headers"]["ETag"];
                    "Content-Range": components["headers"]["ContentRange"];
                    "Content-Disposition": components["headers"]["ContentDisposition"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    [name: string]: unknown;
                };
                content: {
                    "*/*": string;
                };
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            403: components["responses"]["SignatureRejected"];
            404: components["responses"]["NotFound"];
            405: components["responses"]["MethodNotAllowed"];
            408: components["responses"]["RequestTimeout"];
            414: components["responses"]["UriTooLong"];
            416: components["responses"]["RangeNotSatisfiable"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    headDownloadFile: {
        parameters: {
            query: {
                /**
                 * @description The tenant the signed URL was issued for.
                 * @example ten_acme
                 */
                tenant: components["parameters"]["SignedTenant"];
                /**
                 * @description When the signed URL stops working, in Unix seconds.
                 * @example 1756801598
                 */
                expires: components["parameters"]["SignedExpires"];
                /**
                 * @description The id of the signing key.
                 * @example k1
                 */
                kid: components["parameters"]["SignedKeyId"];
                /**
                 * @description The URL's HMAC-SHA256 signature, base64url.
                 * @example 3q2-7w
                 */
                sig: components["parameters"]["SignedSignature"];
            };
            header?: {
                /**
                 * @description An `ETag` from an earlier answer; if it still matches, the answer is `304` with no body.
                 * @example "3f2a9c1e7b"
                 */
                "If-None-Match"?: components["parameters"]["IfNoneMatch"];
            };
            path: {
                /**
                 * @description The file's id.
                 * @example fil_9sD3fG6hJ1kL4zX7cV2bN8
                 */
                fileId: components["parameters"]["FileIdPath"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file exists and the signature is valid. */
            200: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Cache-Control": components["headers"]["CacheControlNoStore"];
                    ETag: components["headers"]["ETag"];
                    "Content-Disposition": components["headers"]["ContentDisposition"];
                    "Accept-Ranges": components["headers"]["AcceptRanges"];
                    "Access-Control-Allow-Origin": components["headers"]["AccessControlAllowOrigin"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            304: components["responses"]["NotModified"];
            400: components["responses"]["BadRequest"];
            403: components["responses"]["SignatureRejected"];
            404: components["responses"]["NotFound"];
            405: components["responses"]["MethodNotAllowed"];
            408: components["responses"]["RequestTimeout"];
            414: components["responses"]["UriTooLong"];
            429: components["responses"]["TooManyRequests"];
            431: components["responses"]["HeadersTooLarge"];
            500: components["responses"]["InternalError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
}
