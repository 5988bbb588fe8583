/**
 * The README and the guides beside it stay true: every relative link points at a file that exists (and at a heading
 * that exists in it), every `npm run <script>` they name is a script of package.json, and every configuration
 * variable they name is one the environment schema declares. The README stays a front door (about 250 lines).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { environmentSchema } from '../../src/environment.js';
import { REPO_ROOT } from '../../scripts/bench/portal-process.js';

const DOCS = ['README.md', ...readdirSync(path.join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!m) continue;
    const base = m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Markdown text outside fenced code blocks. */
const prose = (markdown: string) => markdown.replace(/^```[\s\S]*?^```/gm, '');

describe('the README and docs/', () => {
  it('the README is a front door of at most about 250 lines, linking every guide', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThanOrEqual(260);
    for (const doc of DOCS.filter((d) => d !== 'README.md')) expect(readme, `README links ${doc}`).toContain(`](${doc})`);
  });

  it.each(DOCS)('%s: every relative link resolves to a file and, with a #fragment, to a heading in it', (doc) => {
    const text = prose(read(doc));
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target!)) continue; // http(s), mailto
      const [file, fragment] = target!.split('#') as [string, string | undefined];
      const resolved = file === '' ? doc : path.normalize(path.join(path.dirname(doc), file));
      if (!existsSync(path.join(REPO_ROOT, resolved))) {
        broken.push(`${target} (no file ${resolved})`);
        continue;
      }
      if (fragment && resolved.endsWith('.md') && !anchors(read(resolved)).has(fragment)) broken.push(`${target} (no heading #${fragment} in ${resolved})`);
    }
    expect(broken).toEqual([]);
  });

  it.each(DOCS)('%s: every `npm run <script>` it names is a script of package.json', (doc) => {
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
    const named = [...read(doc).matchAll(/npm run ([a-z][\w:-]*)/g)].map((m) => m[1]!);
    expect(named.filter((s) => !scripts.includes(s))).toEqual([]);
  });

  it.each(DOCS)('%s: every configuration variable it names is declared by the environment schema', (doc) => {
    const declared = new Set(Object.keys(environmentSchema('production').shape));
    // Variables of the tests, the tools, the machine and the SDK (a warning code), not of the server's configuration.
    const outside = /^PORTAL_(TEST_DATABASE_URL|TEST_REDIS_URL|TEST_REQUIRE_SERVICES|E2E_CHROMIUM|NODE_HOME|API_DEPRECATED)$/;
    const named = new Set([...read(doc).matchAll(/\b(PORTAL_[A-Z0-9_]+|DATABASE_URL|REDIS_URL)\b/g)].map((m) => m[1]!));
    expect([...named].filter((v) => !declared.has(v) && !outside.test(v))).toEqual([]);
  });
});
