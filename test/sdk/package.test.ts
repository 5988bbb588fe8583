/**
 * The SDK as a package: its package.json points at files that exist, the bundle is self-contained ESM with no
 * Node-only import (so a browser can load it as is), the repository exports it as `portal-api/sdk`, and its
 * minified+gzipped size stays within the budget of scripts/sdk-size.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/lib/spec.js';
import { SDK_GZIP_BUDGET, measureSdkSize } from '../../scripts/sdk-size.js';

const sdkDir = path.join(ROOT, 'generated/sdk');
const pkg = JSON.parse(readFileSync(path.join(sdkDir, 'package.json'), 'utf8')) as {
  name: string;
  type: string;
  exports: Record<string, { types: string; default: string } | string>;
};

describe('@portal/api-client', () => {
  it('is an ESM package whose exports (with types) exist', () => {
    expect(pkg).toMatchObject({ name: '@portal/api-client', type: 'module' });
    const main = pkg.exports['.'] as { types: string; default: string };
    expect(existsSync(path.join(sdkDir, main.types))).toBe(true);
    expect(existsSync(path.join(sdkDir, main.default))).toBe(true);
  });

  it('is one self-contained bundle: no imports, no Node built-ins', () => {
    const js = readFileSync(path.join(sdkDir, 'dist/index.js'), 'utf8');
    expect(js).not.toMatch(/^\s*import\s/m);
    expect(js).not.toMatch(/\brequire\(/);
    expect(js).not.toMatch(/["']node:/);
    expect(js).toMatch(/^export \{/m);
  });

  it('is importable from the repository as portal-api/sdk (plain Node, package exports)', () => {
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('portal-api/sdk'); console.log(typeof m.createPortalClient, typeof m.NotFoundError, m.operationIds.length);"],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(out.trim()).toMatch(/^function function \d+$/);
  });

  it(`stays within ${SDK_GZIP_BUDGET} bytes minified+gzipped`, async () => {
    const [whole] = await measureSdkSize();
    expect(whole!.min).toBeGreaterThan(1000);
    expect(whole!.gzip).toBeLessThanOrEqual(SDK_GZIP_BUDGET);
  });
});
