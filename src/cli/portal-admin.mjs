#!/usr/bin/env node
// The `portal-admin` bin: the built CLI when `npm run build` has run (production installs without tsx),
// otherwise the TypeScript source through tsx, the same way `npm start` runs the server.
import { existsSync } from 'node:fs';

const built = new URL('../../dist/src/cli/portal-admin.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./portal-admin.ts');
}
