#!/usr/bin/env node
// The `portal-admin` bin: loads the TypeScript CLI through tsx, the same way `npm start` runs the server.
import { register } from 'tsx/esm/api';

register();
await import('./portal-admin.ts');
