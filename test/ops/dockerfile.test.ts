/**
 * The Dockerfile, checked without a Docker engine (none runs here; hadolint is not packaged either):
 *   - it parses (dockerfile-ast) and has no findings from the Docker language server's linter (dockerfile-utils);
 *   - its invariants: multi-stage, every stage on Node 24 (.nvmrc) slim, the runtime stage with production
 *     dependencies only (from an `npm ci --omit=dev` stage), a non-root user, a HEALTHCHECK on the admin port's
 *     /livez, the server's own start command, the listeners' ports exposed as configured;
 *   - every file it COPYs from the context exists and is not excluded by .dockerignore, and every file the server
 *     reads at run time (src: fromRoot('…')) is in the runtime stage;
 *   - every package the compiled server imports is a production dependency (what `--omit=dev` keeps);
 *   - the runtime stage's layout, assembled from its COPY instructions (dist/ compiled as its build stage does),
 *     boots with its CMD and ENV, answers, and its HEALTHCHECK command exits 0 while it runs and 1 once it stopped.
 * Not checked: pulling the base image, `npm ci` inside it, the image's size and the layer cache.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { validate } from 'dockerfile-utils';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { LOCAL_SIGNING_KEYS, REPO_ROOT, freePort } from '../../scripts/bench/portal-process.js';
import { DOCKERFILE_TEXT, args, assembleRuntimeLayout, copyOf, dockerfile, execForm, inRuntime, runtimeEnv, stages } from '../support/dockerfile.js';

const TEXT = DOCKERFILE_TEXT;
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const all = stages();
const env = runtimeEnv();

describe('the Dockerfile', () => {
  it('parses and has no linter findings', () => {
    expect(dockerfile.getInstructions().length).toBeGreaterThan(10);
    expect(validate(TEXT)).toEqual([]);
  });

  it('is multi-stage, every stage on Node 24 (.nvmrc) slim', () => {
    const major = readFileSync(path.join(REPO_ROOT, '.nvmrc'), 'utf8').trim();
    expect(all.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    for (const s of all) expect(s.image).toMatch(new RegExp(`^node:${major}-[a-z]+-slim$`));
  });

  it('runs as a non-root user, the production start command, with the listeners exposed as configured', () => {
    const users = inRuntime('USER').map((i) => args(i)[0]);
    expect(users).toEqual(['node']);
    expect(execForm(inRuntime('CMD')[0]!).join(' ')).toBe(pkg.scripts['start:prod']!.replace(/^exec /, ''));
    expect(env.NODE_ENV).toBe('production');
    expect(env.PORTAL_ADMIN_HOST).toBe('0.0.0.0');
    const config = loadConfig({ NODE_ENV: 'production', PORTAL_PUBLIC_URL: 'https://api.portal.example.com', PORTAL_SIGNING_KEYS: LOCAL_SIGNING_KEYS, ...env });
    expect(inRuntime('EXPOSE').flatMap(args)).toEqual([String(config.http.port), String(config.admin.port)]);
    expect(inRuntime('STOPSIGNAL').flatMap(args)).toEqual(['SIGTERM']);
  });

  it('has a HEALTHCHECK on the admin port /livez', () => {
    const [hc] = inRuntime('HEALTHCHECK');
    const cmd = execForm(hc!);
    expect(cmd[0]).toBe('node');
    expect(cmd.join(' ')).toContain('/livez');
    expect(cmd.join(' ')).toContain('process.env.PORTAL_ADMIN_PORT');
  });

  it('takes only production dependencies into the runtime stage', () => {
    const copies = inRuntime('COPY').map(copyOf);
    const modules = copies.filter((c) => c.dest.replace(/\/$/, '').endsWith('node_modules'));
    expect(modules).toHaveLength(1);
    const from = all.find((s) => s.name === modules[0]!.from)!;
    const runs = from.instructions.filter((i) => i.getKeyword() === 'RUN').map((i) => i.getArgumentsContent() ?? '');
    expect(runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm (ci|install)\b(?!.*--omit=dev)/.test(r))).toBe(false);
  });

  it('COPYs only files that exist and that .dockerignore lets into the context', () => {
    const ignored = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const isIgnored = (p: string) => ignored.some((pat) => (pat.startsWith('*') ? p.endsWith(pat.slice(1)) : p === pat || p.startsWith(`${pat}/`)));
    const sources = all.flatMap((s) => s.instructions.filter((i) => i.getKeyword() === 'COPY').map(copyOf)).filter((c) => !c.from).flatMap((c) => c.sources);
    expect(sources.length).toBeGreaterThan(5);
    for (const src of sources) {
      expect(existsSync(path.join(REPO_ROOT, src)), src).toBe(true);
      expect(isIgnored(src), `${src} is excluded by .dockerignore`).toBe(false);
    }
  });

  it('puts every file the server reads at run time into the runtime stage', () => {
    const read = new Set<string>();
    const walk = (dir: string) => {
      for (const e of readdirSync(dir)) {
        const p = path.join(dir, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/fromRoot\('([^']+)'\)/g)) read.add(m[1]!);
      }
    };
    walk(path.join(REPO_ROOT, 'src'));
    expect(read.size).toBeGreaterThanOrEqual(4);
    const copied = inRuntime('COPY')
      .map(copyOf)
      .filter((c) => !c.from)
      .flatMap((c) => c.sources.map((src) => (c.dest.endsWith('/') ? path.join(c.dest, path.basename(src)) : c.dest)).map((d) => path.normalize(d)));
    for (const file of read) expect(copied.some((c) => file === c || file.startsWith(`${c}/`)), file).toBe(true);
  });
});

describe('the runtime stage, assembled and started', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'portal-image-'));
    assembleRuntimeLayout(dir);
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('imports nothing at run time but production dependencies', () => {
    const builtins = new Set(builtinModules);
    const used = new Set<string>();
    const walk = (d: string) => {
      for (const e of readdirSync(d)) {
        const p = path.join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.js')) {
          // TypeScript's own scanner: static and dynamic imports and require() calls, not lookalikes in strings.
          for (const { fileName: spec } of ts.preProcessFile(readFileSync(p, 'utf8'), true, true).importedFiles) {
            if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec.split('/')[0]!)) continue;
            used.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
          }
        }
      }
    };
    walk(path.join(dir, 'dist'));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((p) => !(p in pkg.dependencies))).toEqual([]);
  });

  it('boots with its CMD and ENV, serves, and its HEALTHCHECK passes while it runs and fails after', async () => {
    const port = await freePort();
    const adminPort = await freePort();
    const runEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...env,
      // This machine is not a container network: listen on loopback, on free ports.
      HOST: '127.0.0.1',
      PORTAL_ADMIN_HOST: '127.0.0.1',
      PORT: String(port),
      PORTAL_ADMIN_PORT: String(adminPort),
      PORTAL_PUBLIC_URL: `http://127.0.0.1:${port}`,
      PORTAL_SIGNING_KEYS: LOCAL_SIGNING_KEYS,
      PORTAL_DATA_DIR: path.join(dir, 'data'),
      PORTAL_SHUTDOWN_DRAIN_MS: '0',
      LOG_LEVEL: 'warn',
    };
    const [cmd, ...cmdArgs] = execForm(inRuntime('CMD')[0]!);
    expect(cmd).toBe('node');
    const server = spawn(process.execPath, cmdArgs, { cwd: dir, env: runEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    server.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    const [hcCmd, ...hcArgs] = execForm(inRuntime('HEALTHCHECK')[0]!);
    expect(hcCmd).toBe('node');
    const healthcheck = () => {
      try {
        execFileSync(process.execPath, hcArgs, { env: runEnv, stdio: 'ignore', timeout: 5000 });
        return 0;
      } catch (e) {
        return (e as { status?: number }).status ?? -1;
      }
    };
    try {
      let code = 1;
      for (let i = 0; i < 150 && code !== 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        code = healthcheck();
      }
      expect(code, stderr).toBe(0);
      const health = await fetch(`http://127.0.0.1:${port}/v1/health`);
      expect(health.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/openapi.yaml`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/docs/`)).status).toBe(200);
    } finally {
      server.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(healthcheck()).toBe(1);
    // Each HEALTHCHECK is a node process started synchronously; on a loaded 2-core box that alone can take seconds.
  }, 180_000);
});
