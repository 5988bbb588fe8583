/**
 * `npm run changelog [-- --out FILE]`: what changed in the contract since the newest released baseline
 * (openapi/released/v<version>.yaml), per operation — added, changed, deprecated, removed, and what Optic found
 * breaking — and the semver level a release of it needs. Markdown, on stdout or into FILE. `npm run release`
 * prepends the same section to CHANGELOG.md.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { baselines, diffContract, renderChangelog } from './lib/contract-diff.js';
import { ROOT, SPEC_PATH } from './lib/spec.js';

export function unreleasedChangelog(spec = SPEC_PATH, releasedDir = path.join(ROOT, 'openapi/released')): { markdown: string; level: string } {
  const newest = baselines(releasedDir).at(-1);
  if (!newest) throw new Error(`no released baseline (v<MAJOR.MINOR.PATCH>.yaml) in ${releasedDir}`);
  const diff = diffContract(newest.file, spec);
  const markdown = renderChangelog(diff, { version: 'Unreleased', date: new Date().toISOString().slice(0, 10), baseline: path.relative(path.dirname(releasedDir), newest.file) });
  return { markdown, level: diff.level };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv.indexOf('--out');
  const { markdown } = unreleasedChangelog();
  if (out !== -1 && process.argv[out + 1]) {
    writeFileSync(path.resolve(process.argv[out + 1]!), markdown + '\n');
    console.log(`changelog written to ${process.argv[out + 1]}`);
  } else {
    console.log(markdown);
  }
}
