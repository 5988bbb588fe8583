/** Every operationId in the contract has exactly one handler module, and every handler an operation. */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { operationIds } from '../../generated/operations.js';
import { operationModules } from '../../src/operations/index.js';
import { listOperations, readSpec } from '../../scripts/lib/spec.js';

describe('operation ↔ handler mapping', () => {
  const specIds = listOperations(readSpec()).map((o) => o.operationId).sort();

  it('the generated list matches the spec', () => {
    expect([...operationIds].sort()).toEqual(specIds);
  });

  it('every operation has a handler, and every handler names its own operation', () => {
    expect(Object.keys(operationModules).sort()).toEqual(specIds);
    for (const [id, mod] of Object.entries(operationModules)) expect(mod.operationId).toBe(id);
  });

  it('every handler module file is an operation, and every operation has its file', () => {
    const files = readdirSync(new URL('../../src/operations/', import.meta.url))
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && f !== 'files.ts')
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(files).toEqual(specIds);
  });
});
