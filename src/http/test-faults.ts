/**
 * TEST-ONLY fault injection, to rehearse the canary gate (`npm run canary -- --canary-fault errors|latency`): a
 * build that answers a share of its API requests with 500, or adds a fixed delay to each. It exists only when
 * configured, and src/config.ts refuses its settings unless the explicit switch `PORTAL_TEST_FAULTS=enabled` is
 * set as well, so a stray variable cannot turn it on in a real deployment (and the Kubernetes manifests' test
 * checks that none of them is set there).
 *
 * Only matched API operations are affected (it runs after route matching, so metrics and access lines carry the
 * route); the admin listener's probes and /metrics are a different server and never see it. The failing requests
 * are spread evenly and counted exactly: request n fails when ⌊n × rate⌋ grows, so 5 % is every 20th request.
 */
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { problems } from './problem.js';

export interface TestFaults {
  /** Share of API requests answered 500 (0–1). */
  errorRate: number;
  /** Added to every API request before it is handled (ms). */
  delayMs: number;
}

export function testFaults(faults: TestFaults, logger: Logger): RequestHandler {
  logger.warn({ testFaults: faults }, 'TEST-ONLY fault injection is on (PORTAL_TEST_FAULTS=enabled): requests fail or slow down on purpose');
  let seen = 0;
  let failed = 0;
  const shouldFail = (): boolean => {
    seen += 1;
    if (failed >= Math.floor(seen * faults.errorRate)) return false;
    failed += 1;
    return true;
  };
  return (req, _res, next) => {
    if (!req.ctx.match) return next();
    const fail = faults.errorRate > 0 && shouldFail();
    const go = () => next(fail ? problems.internal(new Error('injected test fault (PORTAL_TEST_FAULT_ERROR_RATE)')) : undefined);
    if (faults.delayMs > 0) setTimeout(go, faults.delayMs);
    else go();
  };
}
