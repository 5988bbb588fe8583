/**
 * The project's Dockerfile, parsed (dockerfile-ast) into stages, and its runtime stage's layout assembled on disk
 * without Docker: dist/ compiled as the build stage does (`tsc -p tsconfig.build.json`), every file the runtime
 * stage COPYs from the context copied to where it puts it, and node_modules linked from this checkout (the import
 * check in test/ops/dockerfile.test.ts shows its production subset suffices). Used by the Dockerfile's own test and
 * by the canary suite, which rolls that layout out as a compiled build.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { REPO_ROOT } from '../../scripts/bench/portal-process.js';

export const DOCKERFILE_TEXT = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
export const dockerfile = DockerfileParser.parse(DOCKERFILE_TEXT);
export const args = (i: Instruction): string[] => i.getArguments().map((a) => a.getValue());

export interface Stage {
  name: string;
  image: string;
  instructions: Instruction[];
}

/** The stages, with ARG defaults from before the first FROM substituted into their images. */
export function stages(): Stage[] {
  const defaults = new Map<string, string>();
  const out: Stage[] = [];
  for (const i of dockerfile.getInstructions()) {
    const kw = i.getKeyword();
    if (kw === 'ARG' && out.length === 0) {
      const [name, value] = args(i)[0]!.split('=');
      defaults.set(name!, value ?? '');
    } else if (kw === 'FROM') {
      const [image, as, name] = args(i);
      if (as?.toUpperCase() !== 'AS' || !name) throw new Error(`unnamed stage: FROM ${args(i).join(' ')}`);
      out.push({ name, image: image!.replace(/\$\{(\w+)\}/g, (_, v: string) => defaults.get(v) ?? ''), instructions: [] });
    } else if (out.length > 0) {
      out.at(-1)!.instructions.push(i);
    }
  }
  return out;
}

/** A COPY's `--from` stage (if any), its sources and its destination. */
export function copyOf(i: Instruction): { from?: string; sources: string[]; dest: string } {
  if (!(i instanceof Copy)) throw new Error(`not a COPY: ${i.getKeyword()}`);
  const paths = args(i);
  return { from: i.getFromFlag()?.getValue() ?? undefined, sources: paths.slice(0, -1), dest: paths.at(-1)! };
}

/** The JSON (exec) form after `CMD` in a CMD or HEALTHCHECK instruction. */
export function execForm(i: Instruction): string[] {
  const text = (i.getArgumentsContent() ?? '').replace(/\\\n/g, ' ');
  return JSON.parse(text.slice(text.indexOf('['))) as string[];
}

export const runtimeStage = (): Stage => stages().at(-1)!;
export const inRuntime = (kw: string): Instruction[] => runtimeStage().instructions.filter((i) => i.getKeyword() === kw);
export const runtimeEnv = (): Record<string, string> => Object.fromEntries(inRuntime('ENV').flatMap((i) => args(i).map((a) => a.split('=') as [string, string])));

/** Assembles the runtime stage's filesystem under `dir` (see the header). */
export function assembleRuntimeLayout(dir: string): void {
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', path.join(dir, 'dist')], { cwd: REPO_ROOT, stdio: 'inherit' });
  for (const c of inRuntime('COPY').map(copyOf)) {
    if (c.from) continue;
    for (const src of c.sources) {
      const dest = c.dest.endsWith('/') ? path.join(dir, c.dest, path.basename(src)) : path.join(dir, c.dest);
      mkdirSync(path.dirname(dest), { recursive: true });
      cpSync(path.join(REPO_ROOT, src), dest, { recursive: true });
    }
  }
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
}
