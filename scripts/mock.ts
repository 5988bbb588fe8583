/**
 * `npm run mock [-- --port 4010 --host 127.0.0.1]`: a mock of the API for frontend work before a backend runs.
 * Stoplight Prism answers every operation with the contract's own examples (generated/openapi.json), checks each
 * request against the contract first (a missing `Authorization` is a 401, `limit=101` a 400 problem naming
 * `limit`), and answers CORS for whatever local origin calls it.
 *
 * The contract documents the real API's CORS answer (`Access-Control-Allow-Origin` echoing an allowed origin, with
 * the production origin as its example). Prism would replay that example and a browser on localhost would refuse
 * every answer, so the mock serves the contract without those response headers and lets Prism's CORS answer.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger } from '@stoplight/prism-core';
import { getHttpOperationsFromSpec } from '@stoplight/prism-http';
import { createServer } from '@stoplight/prism-http-server';
import { fromRoot } from '../src/paths.js';

const { values: args } = parseArgs({ options: { port: { type: 'string', default: '4010' }, host: { type: 'string', default: '127.0.0.1' } } });

const spec = JSON.parse(readFileSync(fromRoot('generated/openapi.json'), 'utf8')) as object;
/** Drops `Access-Control-*` from every `headers` map of the document (inline responses and shared ones alike). */
function withoutCorsHeaders(node: unknown): void {
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'headers' && typeof value === 'object' && value !== null) {
      for (const name of Object.keys(value)) if (/^access-control-/i.test(name)) delete (value as Record<string, unknown>)[name];
    }
    withoutCorsHeaders(value);
  }
}
withoutCorsHeaders(spec);

const logger = createLogger('mock', { level: 'info' });
const server = createServer(await getHttpOperationsFromSpec(spec), {
  cors: true,
  config: { isProxy: false, mock: { dynamic: false }, validateRequest: true, validateResponse: true, checkSecurity: true, errors: true, upstreamProxy: undefined },
  components: { logger },
});
const address = await server.listen(Number(args.port), args.host);
logger.info(`Portal API mock (the contract's examples) listening on ${address}`);

// Ctrl-C reaches this process twice (from the terminal and relayed by npm): one stop, whatever the count.
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void server.close().finally(() => process.exit(0));
  });
}
