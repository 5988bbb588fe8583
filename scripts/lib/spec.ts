/** Reading the contract and deriving operation metadata from it (shared by generation, tests and scripts). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SPEC_PATH = path.join(ROOT, 'openapi/openapi.yaml');

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type SpecDoc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function readSpec(file = SPEC_PATH): SpecDoc {
  return YAML.parse(readFileSync(file, 'utf8')) as SpecDoc;
}

export const HTTP_METHODS = ['get', 'head', 'options', 'put', 'post', 'delete', 'patch', 'trace'] as const;

/**
 * The rate limiters of src/security/rate-limit.ts. An operation's is `public` when it needs no credentials and
 * `api` otherwise, unless it names another in `x-rate-limit`.
 */
export const RATE_LIMIT_CLASSES = ['api', 'files', 'public'] as const;
export type RateLimitClass = (typeof RATE_LIMIT_CLASSES)[number];

/** How a 2xx answer may be cached: `etag` (it declares an ETag: revalidate with If-None-Match) or `no-store`. */
export type Caching = 'etag' | 'no-store';

export interface OperationMeta {
  operationId: string;
  method: string;
  path: string;
  /** Scopes any accepted security requirement needs; [] for public operations. */
  scopes: string[];
  public: boolean;
  /** The operation's `x-rate-limit`, else `public` for a public operation and `api` for a protected one. */
  rateLimit: RateLimitClass;
  /** From the headers its success responses declare: `Cache-Control` no-store wins over `ETag` (generation requires one). */
  caching: Caching | undefined;
  tags: string[];
  summary: string;
}

function resolveRef(spec: SpecDoc, node: SpecDoc): SpecDoc {
  const ref = node?.$ref;
  if (typeof ref !== 'string') return node;
  return ref.replace(/^#\//, '').split('/').reduce((at: SpecDoc, key: string) => at?.[key], spec);
}

function cachingOf(spec: SpecDoc, op: SpecDoc): Caching | undefined {
  const success = Object.entries<SpecDoc>(op.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
  const headers = success.flatMap(([, r]) => Object.entries<SpecDoc>(resolveRef(spec, r)?.headers ?? {}));
  const noStore = headers.some(([name, h]) => name.toLowerCase() === 'cache-control' && /no-store/.test(String(resolveRef(spec, h)?.schema?.const ?? '')));
  if (noStore) return 'no-store';
  if (headers.some(([name]) => name.toLowerCase() === 'etag')) return 'etag';
  return undefined;
}

function rateLimitOf(where: string, op: SpecDoc, isPublic: boolean): RateLimitClass {
  const value = op['x-rate-limit'];
  if (value === undefined) return isPublic ? 'public' : 'api';
  if (!(RATE_LIMIT_CLASSES as readonly unknown[]).includes(value)) throw new Error(`${where}: x-rate-limit must be one of ${RATE_LIMIT_CLASSES.join(', ')}`);
  return value as RateLimitClass;
}

export function listOperations(spec: SpecDoc): OperationMeta[] {
  const out: OperationMeta[] = [];
  for (const [p, item] of Object.entries<SpecDoc>(spec.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      const security: Record<string, string[]>[] = op.security ?? spec.security ?? [];
      const isPublic = security.length === 0 || security.some((req) => Object.keys(req).length === 0);
      const scopes = isPublic ? [] : [...new Set(security.flatMap((req) => Object.values(req).flat()))].sort();
      const where = `${method.toUpperCase()} ${p}`;
      out.push({
        operationId: op.operationId,
        method,
        path: p,
        scopes,
        public: isPublic,
        rateLimit: rateLimitOf(where, op, isPublic),
        caching: cachingOf(spec, op),
        tags: op.tags ?? [],
        summary: op.summary ?? '',
      });
    }
  }
  return out;
}
