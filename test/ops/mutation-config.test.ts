/**
 * `npm run test:mutation` (stryker.config.mjs, vitest.mutation.config.ts) names the modules it mutates and the
 * suites it runs by path. A rename would silently shrink what is mutated or tested, and the score would still
 * look fine: every entry must match files that exist.
 */
import { globSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function load<T>(file: string): Promise<T> {
  return ((await import(pathToFileURL(path.join(ROOT, file)).href)) as { default: T }).default;
}

const matches = (pattern: string): string[] => globSync(pattern, { cwd: ROOT });

describe('mutation testing configuration', () => {
  it("every entry of stryker.config.mjs's mutate list names files that exist", async () => {
    const config = await load<{ mutate: string[]; vitest: { configFile: string } }>('stryker.config.mjs');
    expect(config.mutate.length).toBeGreaterThan(0);
    for (const pattern of config.mutate) {
      expect(pattern.startsWith('!'), `${pattern}: exclusions are not used`).toBe(false);
      expect(matches(pattern).filter((f) => f.endsWith('.ts')), pattern).not.toEqual([]);
    }
    expect(matches(config.vitest.configFile)).toEqual([config.vitest.configFile]);
  });

  it('every suite vitest.mutation.config.ts includes exists', async () => {
    const config = await load<{ test: { include: string[] } }>('vitest.mutation.config.ts');
    for (const pattern of config.test.include) {
      // A brace list names each file: each one must be there, not just one of them.
      const alternatives = /\{([^}]+)\}/.exec(pattern);
      const names = alternatives ? alternatives[1]!.split(',').map((a) => pattern.replace(alternatives[0], a)) : [pattern];
      for (const name of names) expect(matches(name), name).not.toEqual([]);
    }
  });
});
