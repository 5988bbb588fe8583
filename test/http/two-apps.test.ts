/**
 * createApp keeps everything it needs in the app it returns: two apps in one process, over the same data, stay
 * independent. A cross-tenant attempt on one is audited and counted by that app alone (its own audit sink and
 * metrics), whichever app was built last; each answers with its own rate limits and its own budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition } from '../../src/observability/exposition.js';
import { auth, GLOBEX_KEY, startTestApp, type TestApp } from '../support/app.js';

let first: TestApp;
let second: TestApp;
let globexContact: string;

beforeAll(async () => {
  first = await startTestApp({ PORTAL_RATE_LIMIT_PER_MINUTE: '3' });
  second = await startTestApp({ PORTAL_RATE_LIMIT_PER_MINUTE: '1000' });
  const page = (await (await fetch(`${second.url}/v1/contacts?limit=1`, { headers: auth(GLOBEX_KEY) })).json()) as { data: { id: string }[] };
  globexContact = page.data[0]!.id;
});
afterAll(async () => {
  await first?.close();
  await second?.close();
});

const crossTenantCount = async (app: TestApp) =>
  parseExposition(await app.metrics.render()).find((s) => s.name === 'portal_cross_tenant_attempts_total')?.value ?? 0;
const crossTenantAudits = (app: TestApp) => app.logs.records().filter((r) => r.audit === true && r.event === 'authz.cross_tenant');

describe('two apps in one process', () => {
  it('a cross-tenant attempt is audited and counted by the app that served it, not by the one built after it', async () => {
    const before = { first: await crossTenantCount(first), second: await crossTenantCount(second) };
    const res = await fetch(`${first.url}/v1/contacts/${globexContact}`, { headers: auth() });
    expect(res.status).toBe(404);
    expect(crossTenantAudits(first)).toHaveLength(1);
    expect(crossTenantAudits(second)).toHaveLength(0);
    expect(await crossTenantCount(first)).toBe(before.first + 1);
    expect(await crossTenantCount(second)).toBe(before.second);
  });

  it('each app limits with its own configuration and its own counters', async () => {
    const policy = async (app: TestApp) => (await fetch(`${app.url}/v1/jobs?limit=1`, { headers: auth() })).headers.get('ratelimit-policy');
    expect(await policy(first)).toMatch(/^"3-in-1min"/);
    expect(await policy(second)).toMatch(/^"1000-in-1min"/);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${first.url}/v1/jobs?limit=1`, { headers: auth() })).status);
    expect(statuses).toContain(429);
    expect((await fetch(`${second.url}/v1/jobs?limit=1`, { headers: auth() })).status).toBe(200);
  });
});
