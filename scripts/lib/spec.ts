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

export interface OperationMeta {
  operationId: string;
  method: string;
  path: string;
  /** Scopes any accepted security requirement needs; [] for public operations. */
  scopes: string[];
  public: boolean;
  tags: string[];
  summary: string;
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
      out.push({ operationId: op.operationId, method, path: p, scopes, public: isPublic, tags: op.tags ?? [], summary: op.summary ?? '' });
    }
  }
  return out;
}
