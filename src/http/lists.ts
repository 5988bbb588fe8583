/** Cursor pagination shared by every list operation. */
import type { Request } from 'express';
import type { Keyset, Page, PageRequest } from '../backend/port.js';
import { nextLink } from './pagination.js';
import { problems } from './problem.js';
import type { AppServices } from './services.js';

export const DEFAULT_LIMIT = 25;

export interface ListScope {
  services: AppServices;
  req: Request;
  tenantId: string;
  /** Names the list a cursor belongs to: `contacts`, `jobs`, `files:<jobId>`. */
  list: string;
  /** The filters a cursor is bound to (limit is not one: pages may change size). */
  filters: Record<string, unknown>;
  limit: number | undefined;
  cursor: string | undefined;
}

/** RFC 3339 with any offset → the stores' canonical UTC form (`…T…:…:….sssZ`), or a 400 naming the parameter. */
export function canonicalInstant(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw problems.badRequest(`${name} is not a valid instant.`, [{ location: 'query', name, message: 'must be an RFC 3339 date-time' }]);
  return new Date(ms).toISOString();
}

export async function paginate<T extends { createdAt: string; id: string }, R>(
  scope: ListScope,
  load: (page: PageRequest) => Promise<Page<T> | null>,
  present: (item: T) => R | Promise<R>,
): Promise<{ data: R[]; nextCursor: string | null; link?: string } | null> {
  const { services, req, tenantId, list, filters } = scope;
  const codecScope = { tenantId, list, filters };
  const after: Keyset | undefined = scope.cursor ? services.cursors.decode(scope.cursor, codecScope) : undefined;
  const page = await load({ limit: scope.limit ?? DEFAULT_LIMIT, after });
  if (!page) return null;
  // Most lists present rows as they are: awaiting only when a presenter is async saves a promise per row.
  const presented = page.items.map(present);
  const data = presented.some((x) => x instanceof Promise) ? await Promise.all(presented) : (presented as R[]);
  const nextCursor = page.next ? services.cursors.encode(page.next, codecScope) : null;
  const link = nextCursor ? nextLink(services.config.http.publicUrl, req.path, req.query as Record<string, unknown>, nextCursor) : undefined;
  return { data, nextCursor, link };
}
