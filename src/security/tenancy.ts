/**
 * Tenant isolation on a miss. Data calls are tenant-scoped in SQL, so another tenant's id simply misses; this
 * helper tells a cross-tenant attempt from a plain miss *after* the miss, to audit and count it, and then answers
 * exactly like a plain miss (same 404, same body) so the caller learns nothing about other tenants' ids. The
 * audit sink and the counter come from the app that serves the request (createApp passes them through the
 * operations' services), never from process-wide state.
 */
import type { Request } from 'express';
import type { Backend, EntityKind } from '../backend/port.js';
import { problems } from '../http/problem.js';

export interface CrossTenantEvent {
  principal: string;
  tenant: string;
  ownerTenant: string;
  kind: EntityKind;
  route: string;
}

export interface TenancyDeps {
  backend: Pick<Backend, 'ownerOf'>;
  /** Audit sink: receives `authz.cross_tenant` with the event's fields. */
  audit?: (event: 'authz.cross_tenant', fields: CrossTenantEvent) => void;
  /** Counter hook (e.g. `portal_authz_cross_tenant_total{kind}`). */
  onCrossTenant?: (kind: EntityKind) => void;
}

/**
 * What a handler calls after a tenant-scoped lookup of `id` missed. It always throws the 404 problem; when another
 * tenant owns the id, it first emits the audit event and the counter. A failing `ownerOf` is logged and still
 * answers 404: a miss must not turn into a 5xx because the audit lookup failed.
 */
export type NotFoundOrCrossTenant = (req: Request, kind: EntityKind, id: string) => Promise<never>;

export function notFoundOrCrossTenant(hooks: TenancyDeps): NotFoundOrCrossTenant {
  const { backend } = hooks;
  return async (req, kind, id) => {
    const principal = req.ctx.principal;
    if (principal) {
      try {
        const owner = await backend.ownerOf(kind, id, req.ctx.signal);
        if (owner !== null && owner !== principal.tenantId) {
          const event: CrossTenantEvent = {
            principal: principal.subject,
            tenant: principal.tenantId,
            ownerTenant: owner,
            kind,
            route: req.ctx.match?.template ?? req.path,
          };
          hooks.onCrossTenant?.(kind);
          if (hooks.audit) hooks.audit('authz.cross_tenant', event);
          else req.ctx.log?.warn({ event: 'authz.cross_tenant', ...event }, 'cross-tenant access attempt');
        }
      } catch (err) {
        req.ctx.log?.warn({ err, kind }, 'ownerOf failed while classifying a miss');
      }
    }
    throw problems.notFound();
  };
}
