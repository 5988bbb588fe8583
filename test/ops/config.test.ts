/**
 * Configuration at the process level: a bad environment stops the real server with one message naming every
 * bad variable (exit ≠ 0, no stack trace); production refuses each development default; `.env.example`
 * documents every variable src/config.ts reads.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { environmentSchema } from '../../src/environment.js';
import { LOCAL_SIGNING_KEYS, REPO_ROOT, spawnPortal } from '../../scripts/bench/portal-process.js';

const PROD_OK = {
  NODE_ENV: 'production',
  PORTAL_PUBLIC_URL: 'https://api.portal.example.com',
  PORTAL_SIGNING_KEYS: LOCAL_SIGNING_KEYS,
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('bad configuration stops the process', () => {
  it('names every bad variable in one message on stderr and exits 1, without a stack trace', async () => {
    const p = spawnPortal({
      noWait: true,
      env: {
        NODE_ENV: 'staging',
        PORT: 'eighty',
        PORTAL_RATE_LIMIT_PER_MINUTE: '0',
        DATABASE_URL: 'mysql://root:hunter2@db/portal',
        PORTAL_CORS_ORIGINS: 'https://ok.example.com,not-an-origin',
        PORTAL_SIGNING_KEYS: 'k1:short',
        PORTAL_SEED_DEMO: 'maybe',
      },
    });
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    const stderr = p.stderr();
    for (const name of ['NODE_ENV', 'PORT', 'PORTAL_RATE_LIMIT_PER_MINUTE', 'DATABASE_URL', 'PORTAL_CORS_ORIGINS', 'PORTAL_SIGNING_KEYS', 'PORTAL_SEED_DEMO']) {
      expect(stderr).toContain(name);
    }
    // One message: a single header line counting the problems, one bullet per problem.
    expect(stderr.match(/Invalid configuration/g)).toHaveLength(1);
    expect(stderr).toContain('(7 problems)');
    expect(stderr.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(7);
    expect(stderr).not.toMatch(/\n\s+at /);
    // A database URL may carry a password: it is never echoed.
    expect(stderr).not.toContain('hunter2');
    expect(p.stdout()).toBe('');
  });

  it('production without any configuration lists the required variables', async () => {
    const p = spawnPortal({ noWait: true, env: { NODE_ENV: 'production' } });
    const exit = await p.exited;
    expect(exit.code).toBe(1);
    expect(p.stderr()).toContain('PORTAL_SIGNING_KEYS is required in production');
    expect(p.stderr()).toContain('PORTAL_PUBLIC_URL is required in production');
    expect(p.stderr()).not.toMatch(/\n\s+at /);
  });
});

describe('production refuses development defaults', () => {
  it('accepts a minimal production configuration and picks production defaults', () => {
    const c = loadConfig(PROD_OK);
    expect(c.env).toBe('production');
    expect(c.data.seedDemo).toBe(false);
    expect(c.http.responseValidation).toBe('off');
    expect(c.security.corsOrigins).toEqual(['https://portal.example.com']);
    expect(c.shutdown.drainDelayMs).toBe(5000);
    expect(c.http.host).toBe('0.0.0.0');
  });

  it.each([
    ['no signing key', { PORTAL_SIGNING_KEYS: '' }, 'PORTAL_SIGNING_KEYS is required in production'],
    ['the development signing key', { PORTAL_SIGNING_KEYS: 'dev:portal-dev-signing-key-do-not-use-in-production' }, 'development key is refused'],
    ['a localhost CORS origin', { PORTAL_CORS_ORIGINS: 'https://portal.example.com,http://localhost:5173' }, 'localhost origin http://localhost:5173 is refused in production'],
    ['a 127.0.0.1 CORS origin', { PORTAL_CORS_ORIGINS: 'http://127.0.0.1:3000' }, 'localhost origin http://127.0.0.1:3000 is refused'],
    ['response validation that throws', { PORTAL_RESPONSE_VALIDATION: 'throw' }, 'PORTAL_RESPONSE_VALIDATION=throw is refused in production'],
    ['demo seeding', { PORTAL_SEED_DEMO: 'true' }, 'PORTAL_SEED_DEMO=true is refused in production'],
    ['no public URL', { PORTAL_PUBLIC_URL: '' }, 'PORTAL_PUBLIC_URL is required in production'],
  ])('refuses %s', (_label, override, expected) => {
    const problems = problemsOf({ ...PROD_OK, ...override });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it('allows the same settings outside production', () => {
    const overrides: Record<string, string>[] = [{ PORTAL_SIGNING_KEYS: '' }, { PORTAL_CORS_ORIGINS: 'http://localhost:5173' }, { PORTAL_RESPONSE_VALIDATION: 'throw' }, { PORTAL_SEED_DEMO: 'true' }];
    for (const override of overrides) {
      expect(problemsOf({ ...PROD_OK, NODE_ENV: 'development', ...override })).toEqual([]);
    }
  });

  it('reports all refusals together, not one at a time', () => {
    const problems = problemsOf({ NODE_ENV: 'production', PORTAL_CORS_ORIGINS: 'http://localhost:3000', PORTAL_RESPONSE_VALIDATION: 'throw', PORTAL_SEED_DEMO: 'yes' });
    expect(problems.map((p) => p.split(/[ =:]/)[0])).toEqual(
      expect.arrayContaining(['PORTAL_PUBLIC_URL', 'PORTAL_RESPONSE_VALIDATION', 'PORTAL_SEED_DEMO', 'PORTAL_CORS_ORIGINS', 'PORTAL_SIGNING_KEYS']),
    );
    expect(problems).toHaveLength(5);
  });
});

describe('.env.example', () => {
  const example = readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8');
  const read = Object.keys(environmentSchema('development').shape);

  it('documents every variable src/config.ts reads', () => {
    expect(read.length).toBeGreaterThan(40);
    const documented = new Set([...example.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
    expect([...new Set(read)].filter((name) => !documented.has(name))).toEqual([]);
  });

  it('its uncommented values form a valid development configuration', () => {
    const env: Record<string, string> = {};
    for (const m of example.matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm)) env[m[1]!] = m[2]!;
    expect(() => loadConfig(env)).not.toThrow();
  });
});

describe('the schema checks what the hand-written reader skipped', () => {
  it('validates the OIDC and S3 details even when OIDC or S3 is not configured', () => {
    expect(problemsOf({ NODE_ENV: 'test', PORTAL_OIDC_CLOCK_TOLERANCE_SECONDS: '600', PORTAL_S3_FORCE_PATH_STYLE: 'sometimes' })).toEqual([
      'PORTAL_OIDC_CLOCK_TOLERANCE_SECONDS="600": expected an integer from 0 to 60',
      'PORTAL_S3_FORCE_PATH_STYLE="sometimes": expected true or false',
    ]);
  });

  it('refuses an http:// JWKS URL in production whether or not the other OIDC variables are set', () => {
    expect(problemsOf({ ...PROD_OK, PORTAL_OIDC_JWKS_URL: 'http://login.example.com/jwks' })).toEqual([
      'PORTAL_OIDC_JWKS_URL must be https:// in production',
      'PORTAL_OIDC_ISSUER, PORTAL_OIDC_AUDIENCE and PORTAL_OIDC_JWKS_URL go together: set all three or none',
    ]);
  });
});

describe('rules over several variables run next to every bad value', () => {
  it('a bad value elsewhere, or among its own variables, does not hide a rule', () => {
    const problems = problemsOf({
      ...PROD_OK,
      PORTAL_SEED_DEMO: 'maybe',
      PORT: 'eighty',
      PORTAL_OIDC_ISSUER: 'not a url',
      PORTAL_OIDC_AUDIENCE: 'portal-api',
      PORTAL_BACKEND_URL: 'http://backend.internal:4000',
      PORTAL_TEST_FAULT_DELAY_MS: 'slow',
    });
    expect(problems).toEqual([
      'PORT="eighty": expected an integer from 0 to 65535',
      'PORTAL_SEED_DEMO="maybe": expected true or false',
      'PORTAL_OIDC_ISSUER="not a url": expected a URL with scheme https or http',
      'PORTAL_TEST_FAULT_DELAY_MS="slow": expected an integer from 0 to 10000',
      'PORTAL_BACKEND_SECRET is required in production when PORTAL_BACKEND_URL is set',
      // Set but bad still counts as set: the JWKS URL is missing all the same.
      'PORTAL_OIDC_ISSUER, PORTAL_OIDC_AUDIENCE and PORTAL_OIDC_JWKS_URL go together: set all three or none',
      'PORTAL_TEST_FAULT_ERROR_RATE / PORTAL_TEST_FAULT_DELAY_MS are test-only fault injection (they fail or slow requests on purpose): refused unless PORTAL_TEST_FAULTS=enabled is set as well',
    ]);
  });

  it('a rule does not restate a problem its variables already have', () => {
    const oidc = { PORTAL_OIDC_ISSUER: 'ftp://login.example.com/', PORTAL_OIDC_AUDIENCE: 'portal-api', PORTAL_OIDC_JWKS_URL: 'https://login.example.com/jwks' };
    expect(problemsOf({ NODE_ENV: 'test', ...oidc })).toEqual(['PORTAL_OIDC_ISSUER="ftp://login.example.com/": expected a URL with scheme https or http']);
  });
});

describe('secrets are never echoed', () => {
  it.each([
    ['PORTAL_SIGNING_KEYS', 'k1:too-short-but-still-a-secret'],
    ['PORTAL_SIGNING_KEYS', 'k1:first-secret-of-at-least-32-characters,k1:second-secret-of-at-least-32-chars'],
    ['PORTAL_BACKEND_SECRET', 'too-short-but-still-a-secret'],
    ['PORTAL_CURSOR_SECRET', 'too-short-but-still-a-secret'],
    ['DATABASE_URL', 'mysql://root:hunter2@db/portal'],
    ['REDIS_URL', 'http://:hunter2@redis.internal'],
  ])('%s=%s', (name, value) => {
    const problems = problemsOf({ NODE_ENV: 'test', [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}=\\(value hidden\\): expected `));
    for (const part of value.split(/[:,@/]/).filter((p) => p.length > 6)) expect(problems[0]).not.toContain(part);
  });
});
