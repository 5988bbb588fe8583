/**
 * The Postman collection (scripts/generate-postman.ts → generated/postman/): generated from the spec alone, fresh,
 * deterministic, one request per operation asserting every documented status; and its assertions are real — run
 * with newman against a live server they pass, and against a server whose getJob drifts from the contract they
 * fail on exactly that. (`npm run test:newman` is the CI run that writes reports/newman/newman-results.json.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Backend, JobRecord } from '../../src/backend/port.js';
import { COLLECTION_FILE, buildCollection } from '../../scripts/generate-postman.js';
import { runNewman, verdictOf } from '../../scripts/newman.js';
import { ACME_KEY, seededDataDir, startServer, type DataDir, type RunningServer } from './support/server.js';
import { ROOT, loadSpec, operationsOf } from './support/spec.js';

// These suites start servers and send thousands of requests; `npm test` runs them beside every other suite.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

interface Item {
  name: string;
  item?: Item[];
  request?: { method: string; url: { raw: string }; auth?: { type: string } };
  event?: { listen: string; script: { exec: string[] } }[];
}

const spec = loadSpec();
const ops = operationsOf(spec);
const collection = buildCollection(spec) as { item: Item[]; variable: { key: string }[] };
const requests = collection.item.flatMap((f) => f.item ?? []);

let data: DataDir;
const servers: RunningServer[] = [];
beforeAll(async () => {
  data = await seededDataDir();
}, 180_000);
afterAll(async () => {
  for (const s of servers) await s.close();
  data?.remove();
});

describe('the generated Postman collection', () => {
  it('is what `npm run generate` committed (fresh) and the same on every build (no ids, no timestamps)', () => {
    const committed = readFileSync(path.join(ROOT, 'generated', COLLECTION_FILE), 'utf8');
    expect(JSON.stringify(buildCollection(spec), null, 2) + '\n').toBe(committed);
    expect(JSON.stringify(buildCollection(spec))).toBe(JSON.stringify(buildCollection(loadSpec())));
    expect(committed).not.toMatch(/"(_postman_id|id|_exporter_id|timestamp|createdAt)":/);
  });

  it('has one request per operation, with baseUrl and token variables and no auth on public operations', () => {
    expect(requests.map((r) => r.name).sort()).toEqual(ops.map((o) => o.operationId).sort());
    expect(collection.variable.map((v) => v.key)).toEqual(expect.arrayContaining(['baseUrl', 'token']));
    for (const op of ops) {
      const r = requests.find((x) => x.name === op.operationId)!;
      expect(r.request!.method).toBe(op.method.toUpperCase());
      expect(r.request!.url.raw.startsWith('{{baseUrl}}/')).toBe(true);
      expect(r.request!.auth?.type === 'noauth').toBe(op.public);
    }
  });

  it("asserts every documented status and embeds each JSON schema for the sandbox's jsonSchema", () => {
    for (const op of ops) {
      const script = requests.find((x) => x.name === op.operationId)!.event![0]!.script.exec.join('\n');
      const documented = JSON.parse(/const documented = (.*);/.exec(script)![1]!) as Record<string, { schema: object | null }>;
      expect(Object.keys(documented).sort()).toEqual([...op.responses.keys()].sort());
      for (const [status, r] of op.responses) {
        const json = [...r.content.keys()].some((m) => /json$/.test(m));
        expect(documented[status]!.schema !== null, `${op.operationId} ${status}`).toBe(json);
      }
      expect(script).toContain('pm.response.to.have.jsonSchema(spec.schema)');
      expect(script).not.toContain('$ref');
    }
  });

  it('passes with newman against a live server with the demo data (every request chained to real ids)', async () => {
    const server = await startServer({ dataDir: data.dir });
    servers.push(server);
    const summary = await runNewman({ collection, baseUrl: server.url, token: ACME_KEY, cli: false });
    expect(verdictOf(summary)).toEqual([]);
    expect(summary.run.stats.requests.total).toBe(ops.length);
    // Every request found real ids to use: all answered 200.
    expect(summary.run.executions.map((e) => `${e.item.name} ${e.response?.code}`)).toEqual(requests.map((r) => `${r.name} 200`));
  });

  it('fails with newman when the server drifts (getJob with progress 101, response validation off)', async () => {
    const drift = (b: Backend) => ({
      getJob: async (...args: Parameters<Backend['getJob']>) => {
        const job = await b.getJob(...args);
        return job && ({ ...job, progress: 101 } as JobRecord);
      },
    });
    const server = await startServer({ dataDir: data.dir, wrapBackend: drift, env: { PORTAL_RESPONSE_VALIDATION: 'off' } });
    servers.push(server);
    const summary = await runNewman({ collection, baseUrl: server.url, token: ACME_KEY, cli: false });
    const failures = verdictOf(summary);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^getJob: getJob: body matches the schema documented for 200.*progress should be <= 100/s);
  });
});
