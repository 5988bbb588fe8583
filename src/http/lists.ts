/** Cursor pagination shared by every list operation. */
import type { Request } from 'express';
import type { Keyset, Page, PageRequest } from '../backend/port.js';
import { nextLink } from './pagination.js';
import { problems } from './problem.js';
import type { AppServices } from './services.js';

export const DEFAULT_LIMIT = 25;

/** What a list operation's handler is given (src/http/operation.ts's OperationContext, the parts lists read). */
export interface ListRequest {
  services: AppServices;
  req: Request;
  principal: { tenantId: string };
  query: { limit?: number; cursor?: string };
}

/** RFC 3339 with any offset → the stores' canonical UTC form (`…T…:…:….sssZ`), or a 400 naming the parameter. */
export function canonicalInstant(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw problems.badRequest(`${name} is not a valid instant.`, [{ location: 'query', name, message: 'must be an RFC 3339 date-time' }]);
  return new Date(ms).toISOString();
}

/**
 * One page of a list: the cursor decoded (bound to the tenant, the list and its filters), the page loaded, its rows
 * presented, the next cursor and `Link`. `name` names the list a cursor belongs to (`contacts`, `jobs`,
 * `files:<jobId>`); `filters` are what a cursor is bound to (not the limit: pages may change size). null when
 * `load` answers null (the list's parent does not exist).
 */
export async function paginate<T extends { createdAt: string; id: string }, R = T>(
  { services, req, principal, query }: ListRequest,
  list: { name: string; filters: Record<string, unknown>; load: (page: PageRequest) => Promise<Page<T> | null>; present?: (item: T) => R | Promise<R> },
): Promise<{ status: 200; body: { data: R[]; nextCursor: string | null }; link?: string } | null> {
  const { filters, load, present = (item: T) => item as unknown as R } = list;
  const codecScope = { tenantId: principal.tenantId, list: list.name, filters };
  const after: Keyset | undefined = query.cursor ? services.cursors.decode(query.cursor, codecScope) : undefined;
  const page = await load({ limit: query.limit ?? DEFAULT_LIMIT, after });
  if (!page) return null;
  // Most lists present rows as they are: awaiting only when a presenter is async saves a promise per row.
  const presented = page.items.map(present);
  const data = presented.some((x) => x instanceof Promise) ? await Promise.all(presented) : (presented as R[]);
  const nextCursor = page.next ? services.cursors.encode(page.next, codecScope) : null;
  const link = nextCursor ? nextLink(services.config.http.publicUrl, req.path, req.query as Record<string, unknown>, nextCursor) : undefined;
  return { status: 200, body: { data, nextCursor }, link };
}
