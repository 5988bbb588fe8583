/**
 * `npm run check:generated`: regenerates into a temp dir and fails, naming each stale file, when generated/ does
 * not match what the contract produces, or docs/configuration.md and .env.example what the environment schema does.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateAll } from './generate.js';
import { generateConfigFiles } from './generate-config.js';
import { ROOT } from './lib/spec.js';

function walk(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full, base) : [path.relative(base, full)];
  });
}

/** The files of `committedDir` that differ from a fresh generation (empty when up to date). */
export async function staleGenerated(opts: { specPath?: string; committedDir?: string } = {}): Promise<string[]> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'portal-check-generated-'));
  try {
    await generateAll(tmp, { specPath: opts.specPath });
    const committedDir = opts.committedDir ?? path.join(ROOT, 'generated');
    const fresh = new Set(walk(tmp));
    const committed = new Set(walk(committedDir));
    const stale: string[] = [];
    for (const f of fresh) {
      if (!committed.has(f)) stale.push(`${f} (missing)`);
      else if (!readFileSync(path.join(tmp, f)).equals(readFileSync(path.join(committedDir, f)))) stale.push(`${f} (differs)`);
    }
    for (const f of committed) if (!fresh.has(f)) stale.push(`${f} (no longer generated)`);
    return stale.sort();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The files generated from the environment schema that differ from it under `root` (empty when up to date). */
export function staleConfigFiles(root = ROOT): string[] {
  const stale: string[] = [];
  for (const [rel, content] of generateConfigFiles()) {
    const file = path.join(root, rel);
    if (!existsSync(file)) stale.push(`${rel} (missing)`);
    else if (readFileSync(file, 'utf8') !== content) stale.push(`${rel} (differs)`);
  }
  return stale;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stale = await staleGenerated();
  const staleConfig = staleConfigFiles();
  if (stale.length > 0) console.error(`generated/ is stale against openapi/ — ${stale.length} file(s):\n  ${stale.join('\n  ')}`);
  if (staleConfig.length > 0) console.error(`stale against the environment schema in src/environment.ts — ${staleConfig.length} file(s):\n  ${staleConfig.join('\n  ')}`);
  if (stale.length + staleConfig.length > 0) {
    console.error('Run `npm run generate` and commit the result.');
    process.exitCode = 1;
  } else {
    console.log('generated/, docs/configuration.md and .env.example are up to date.');
  }
}
