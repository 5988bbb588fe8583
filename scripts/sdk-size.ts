/**
 * `npm run sdk:size`: what the SDK costs a frontend, minified (esbuild) and gzipped (level 9) / brotli: the whole
 * bundle, and what an app that only creates a client pays after tree-shaking. Fails above the budget, so growth
 * is a decision, not an accident.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { ROOT } from './lib/spec.js';

/** Budget for the minified + gzipped bundle, in bytes. */
export const SDK_GZIP_BUDGET = 8 * 1024;
const SDK_ENTRY = path.join(ROOT, 'generated/sdk/dist/index.js');

export interface SizeRow {
  what: string;
  raw: number;
  min: number;
  gzip: number;
  brotli: number;
}

async function minified(contents: string, resolveDir: string): Promise<Buffer> {
  const out = await build({
    stdin: { contents, resolveDir, loader: 'js', sourcefile: 'entry.js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  return Buffer.from(out.outputFiles[0]!.contents);
}

function row(what: string, raw: number, min: Buffer): SizeRow {
  return {
    what,
    raw,
    min: min.length,
    gzip: gzipSync(min, { level: 9 }).length,
    brotli: brotliCompressSync(min, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

export async function measureSdkSize(entry = SDK_ENTRY): Promise<SizeRow[]> {
  const raw = readFileSync(entry).length;
  const dir = path.dirname(entry);
  const file = `./${path.basename(entry)}`;
  return [
    row('whole bundle (every export)', raw, await minified(`export * from '${file}';`, dir)),
    row('an app: createPortalClient + error classes', raw, await minified(`import { createPortalClient, PortalApiError, NotFoundError } from '${file}'; globalThis.sdk = { createPortalClient, PortalApiError, NotFoundError };`, dir)),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await measureSdkSize();
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`@portal/api-client (${path.relative(ROOT, SDK_ENTRY)})`);
  console.log(['', 'unminified', 'min', 'min+gzip', 'min+brotli'].join('\t'));
  for (const r of rows) console.log([r.what, kb(r.raw), kb(r.min), kb(r.gzip), kb(r.brotli)].join('\t'));
  const whole = rows[0]!;
  if (whole.gzip > SDK_GZIP_BUDGET) {
    console.error(`over budget: ${kb(whole.gzip)} min+gzip > ${kb(SDK_GZIP_BUDGET)} (scripts/sdk-size.ts)`);
    process.exitCode = 1;
  } else {
    console.log(`within budget: ${kb(whole.gzip)} of ${kb(SDK_GZIP_BUDGET)} min+gzip`);
  }
}
