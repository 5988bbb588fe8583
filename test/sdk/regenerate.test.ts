/**
 * The SDK follows the contract: generating from the committed spec reproduces generated/sdk byte for byte, and
 * generating from a changed copy of the spec changes the SDK's methods (at run time) and types (at compile time).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../generated/sdk/dist/index.js';
import { generateSdk } from '../../scripts/generate-sdk.js';
import { ROOT, type SpecDoc } from '../../scripts/lib/spec.js';

const committedSpec = JSON.parse(readFileSync(path.join(ROOT, 'generated/openapi.json'), 'utf8')) as SpecDoc;
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'portal-sdk-regen-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((n) => {
    const full = path.join(dir, n);
    return statSync(full).isDirectory() ? walk(full, base) : [path.relative(base, full)];
  });
}

/** The spec with getJob renamed, a `sort` filter on listContacts and a required `priority` on Job. */
function changedSpec(): SpecDoc {
  const spec = structuredClone(committedSpec);
  spec.paths['/v1/jobs/{jobId}'].get.operationId = 'fetchJob';
  spec.paths['/v1/contacts'].get.parameters.push({ name: 'sort', in: 'query', schema: { type: 'string', enum: ['name', 'createdAt'] } });
  spec.components.schemas.Job.properties.priority = { type: 'integer', minimum: 0, maximum: 9 };
  spec.components.schemas.Job.required.push('priority');
  return spec;
}

/** Type-checks `code` placed in `dir` (DOM + ES2022, no Node types) and returns its diagnostics as `line: message`. */
function typeErrors(dir: string, code: string): string[] {
  const file = path.join(dir, 'consumer.ts');
  writeFileSync(file, code);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    return `${line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

describe('generateSdk', () => {
  it('reproduces the committed generated/sdk from the committed spec', { timeout: 180_000 }, async () => {
    const out = tempDir();
    const files = await generateSdk(out, { spec: committedSpec });
    const committed = path.join(ROOT, 'generated/sdk');
    expect(files.map((f) => f.replace(/^sdk\//, '')).sort()).toEqual(walk(committed).sort());
    for (const f of walk(committed)) expect(readFileSync(path.join(out, 'sdk', f), 'utf8'), f).toBe(readFileSync(path.join(committed, f), 'utf8'));
  });

  it('a changed operation in the spec changes the methods and the types', { timeout: 180_000 }, async () => {
    const out = tempDir();
    await generateSdk(out, { spec: changedSpec() });
    const sdk = path.join(out, 'sdk');

    const index = readFileSync(path.join(sdk, 'src/index.ts'), 'utf8');
    expect(index).toContain('fetchJob(params: FetchJobParams');
    expect(index).not.toMatch(/\bgetJob\b/);

    // Run time: the built bundle has the renamed method and sends the new parameter.
    const mod = (await import(pathToFileURL(path.join(sdk, 'dist/index.js')).href)) as typeof Sdk;
    const seen: string[] = [];
    const client = mod.createPortalClient({
      baseUrl: 'https://api.portal.example.com',
      token: 't',
      fetch: async (req) => {
        seen.push(req.url);
        return Response.json({ data: [], nextCursor: null });
      },
    });
    expect(mod.operationIds).toContain('fetchJob');
    expect(mod.operationIds).not.toContain('getJob');
    expect(typeof (client as unknown as Record<string, unknown>).fetchJob).toBe('function');
    expect((client as unknown as Record<string, unknown>).getJob).toBeUndefined();
    await (client as unknown as { listContacts: (p: object) => Promise<unknown> }).listContacts({ sort: 'name' });
    expect(seen).toEqual(['https://api.portal.example.com/v1/contacts?sort=name']);

    // Compile time: code written against the new declarations.
    const errors = typeErrors(
      sdk,
      [
        "import { createPortalClient } from './dist/index.js';",
        "const c = createPortalClient({ baseUrl: 'https://x', token: 't' });",
        "export const a = c.listContacts({ sort: 'name' });",
        "export const b = c.fetchJob({ jobId: 'job_x' }).then((j) => j.priority.toFixed());",
        "export const old = c.getJob({ jobId: 'job_x' });",
        "export const bad = c.listContacts({ sort: 'size' });",
        '',
      ].join('\n'),
    );
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^5: Property 'getJob' does not exist/);
    expect(errors[1]).toMatch(/^6: Type '"size"' is not assignable to type '"name" \| "createdAt"/);
  });
});
