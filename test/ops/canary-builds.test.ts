/**
 * What `npm run canary` accepts as a build (scripts/canary/builds.ts): a git ref of this repository, checked out
 * into its own worktree (and removed again), or a directory — run from source when it has src/server.ts, compiled
 * when it only has dist/ (the container image's layout) — with clear refusals for anything else. Also the
 * rehearsal faults: each carries its explicit switch.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { LOCAL_SIGNING_KEYS, REPO_ROOT } from '../../scripts/bench/portal-process.js';
import { FAULTS, parseSetting, prepareBuild } from '../../scripts/canary/builds.js';
import { runRedisUrl } from '../../scripts/canary/rollout.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'portal-canary-builds-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const quiet = () => {};

describe('canary builds', () => {
  it('checks out a git ref into a worktree sharing node_modules (same lockfile), and removes it again', () => {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const b = prepareBuild('stable', { source: 'git:HEAD' }, work, quiet);
    try {
      expect(b.label).toBe(`HEAD@${sha.slice(0, 7)}`);
      expect(b.describe).toBe(`git HEAD (${sha.slice(0, 12)}), from source`);
      expect(b.compiled).toBe(false);
      expect(existsSync(path.join(b.root, 'src/server.ts'))).toBe(true);
      expect(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: b.root, encoding: 'utf8' }).trim()).toBe(sha);
      expect(existsSync(path.join(b.root, 'node_modules/tsx'))).toBe(true);
    } finally {
      b.cleanup();
    }
    expect(existsSync(b.root)).toBe(false);
    expect(execFileSync('git', ['worktree', 'list'], { cwd: REPO_ROOT, encoding: 'utf8' })).not.toContain(b.root);
  });

  it('refuses a ref that is not a commit of the repository', () => {
    expect(() => prepareBuild('canary', { source: 'git:no-such-branch-anywhere' }, work, quiet)).toThrow('"no-such-branch-anywhere" is not a commit of this repository');
  });

  it('runs a checkout from source and an image-layout directory compiled', () => {
    const source = prepareBuild('stable', { source: REPO_ROOT, label: 'v1.0.0', env: { PORTAL_BACKEND_TIMEOUT_MS: '3000' } }, work, quiet);
    expect(source).toMatchObject({ label: 'v1.0.0', compiled: false, root: REPO_ROOT, env: { PORTAL_BACKEND_TIMEOUT_MS: '3000' } });

    const image = path.join(work, 'image');
    mkdirSync(path.join(image, 'dist/src'), { recursive: true });
    mkdirSync(path.join(image, 'node_modules'));
    writeFileSync(path.join(image, 'package.json'), JSON.stringify({ version: '1.1.0' }));
    writeFileSync(path.join(image, 'dist/src/server.js'), '');
    const compiled = prepareBuild('canary', { source: image }, work, quiet);
    expect(compiled).toMatchObject({ compiled: true, label: 'image@1.1.0' });
    expect(compiled.describe).toContain('compiled dist/');
  });

  it('refuses directories that are not an installed build', () => {
    const empty = path.join(work, 'empty');
    mkdirSync(empty);
    expect(() => prepareBuild('canary', { source: empty }, work, quiet)).toThrow('no package.json');
    writeFileSync(path.join(empty, 'package.json'), '{}');
    expect(() => prepareBuild('canary', { source: empty }, work, quiet)).toThrow('no node_modules');
    mkdirSync(path.join(empty, 'node_modules'));
    expect(() => prepareBuild('canary', { source: empty }, work, quiet)).toThrow('neither src/server.ts nor dist/src/server.js');
  });

  it("keeps the run's rate-limit counters in a Redis database of their own unless the URL names one", () => {
    expect(runRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379/15');
    expect(runRedisUrl('redis://:secret@redis.internal:6380')).toBe('redis://:secret@redis.internal:6380/15');
    expect(runRedisUrl('redis://127.0.0.1:6379/3')).toBe('redis://127.0.0.1:6379/3');
  });

  it('takes settings as KEY=VALUE only', () => {
    expect(parseSetting('PORTAL_BACKEND_TIMEOUT_MS=3000')).toEqual(['PORTAL_BACKEND_TIMEOUT_MS', '3000']);
    expect(parseSetting('A_B=x=y')).toEqual(['A_B', 'x=y']);
    expect(() => parseSetting('lowercase=1')).toThrow('expected KEY=VALUE');
    expect(() => parseSetting('NOVALUE')).toThrow('expected KEY=VALUE');
  });

  it('gives each rehearsal fault its explicit switch, which the server accepts (and refuses without)', () => {
    const prod = { NODE_ENV: 'production', PORTAL_PUBLIC_URL: 'https://api.portal.example.com', PORTAL_SIGNING_KEYS: LOCAL_SIGNING_KEYS };
    expect(loadConfig({ ...prod, ...FAULTS.errors }).testFaults).toEqual({ errorRate: 0.05, delayMs: 0 });
    expect(loadConfig({ ...prod, ...FAULTS.latency }).testFaults).toEqual({ errorRate: 0, delayMs: 300 });
    const { PORTAL_TEST_FAULTS: _switch, ...withoutSwitch } = FAULTS.errors;
    expect(() => loadConfig({ ...prod, ...withoutSwitch })).toThrow('refused unless PORTAL_TEST_FAULTS=enabled');
  });
});
