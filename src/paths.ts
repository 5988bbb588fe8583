/** The project root (where package.json is), whether running from src/ under tsx or from dist/src/ after a build. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the project root (package.json)');
    dir = parent;
  }
  return dir;
}

let root: string | undefined;
/** A path under the project root (found on first use, not at import). */
export const fromRoot = (...parts: string[]): string => path.join((root ??= findRoot()), ...parts);
