/**
 * Tenant isolation on a miss. Data calls are tenant-scoped in SQL, so another tenant's id simply misses; this
 * helper tells a cross-tenant attempt from a plain miss *after* the miss, to audit and count it, and then answers
 * exactly like a plain miss (same 404, same body) so the caller learns nothing about other tenants' ids.
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

export interface TenancyHooks {
  /** Audit sink: receives `authz.cross_tenant` with the event's fields. */
  audit?: (event: 'authz.cross_tenant', fields: CrossTenantEvent) => void;
  /** Counter hook (e.g. `portal_authz_cross_tenant_total{kind}`). */
  onCrossTenant?: (kind: EntityKind) => void;
}

let defaultHooks: TenancyHooks = {};

/** Installs the process-wide hooks (observability) used when a call passes none. */
export function setTenancyHooks(hooks: TenancyHooks): void {
  defaultHooks = hooks;
}

/**
 * Call after a tenant-scoped lookup of `id` missed. Always throws the 404 problem; when another tenant owns the
 * id, first emits the audit event and the counter. A failing `ownerOf` is logged and still answers 404: a miss
 * must not turn into a 5xx because the audit lookup failed.
 */
export async function notFoundOrCrossTenant(
  req: Request,
  backend: Pick<Backend, 'ownerOf'>,
  kind: EntityKind,
  id: string,
  hooks: TenancyHooks = defaultHooks,
): Promise<never> {
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
          route: req.ctx.route ?? req.path,
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
}
