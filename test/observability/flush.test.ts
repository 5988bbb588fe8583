import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/sigterm-logger.ts', import.meta.url));

describe('log flushing', () => {
  it('loses no line when the process is stopped with SIGTERM right after a burst', async () => {
    const n = 20_000;
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, String(n)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        if (stderr.includes('ready')) resolve();
      });
      child.on('exit', () => reject(new Error(`child exited early: ${stderr}`)));
    });
    // Most of the burst is still buffered in the async destination at this point.
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await new Promise((r) => setImmediate(r));
    const lines = stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(n + 1);
    const parsed = lines.map((l) => JSON.parse(l) as { i?: number; final?: boolean });
    expect(parsed.filter((p) => typeof p.i === 'number').map((p) => p.i)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(parsed.at(-1)?.final).toBe(true);
  }, 30_000);
});
