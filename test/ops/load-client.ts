/**
 * Keep-alive HTTP clients for the ops tests: each client owns one keep-alive socket (http.Agent, maxSockets 1)
 * and sends GETs back to back, classifying every outcome. A request is "not accepted" when the listener refused
 * the connection or a reused idle socket was closed before any response byte (RFC 9112 §9.3.1: the server never
 * read it, so an idempotent request may be retried); everything else that is not a 2xx/4xx answer is a failure.
 */
import http from 'node:http';

export interface Outcome {
  responses: number;
  byStatus: Record<number, number>;
  refused: number;
  notAccepted: number;
  failures: string[];
}

export function newOutcome(): Outcome {
  return { responses: 0, byStatus: {}, refused: 0, notAccepted: 0, failures: [] };
}

interface Answer {
  status: number;
  body: Buffer;
  headers: http.IncomingHttpHeaders;
}

type RequestError = Error & { code?: string; reusedSocket?: boolean; gotResponse?: boolean };

export function get(url: string, opts: { agent?: http.Agent; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let gotResponse = false;
    const req = http.request(url, { agent: opts.agent, headers: opts.headers, timeout: opts.timeoutMs ?? 15_000 }, (res) => {
      gotResponse = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.complete) resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers });
        else reject(Object.assign(new Error('response truncated'), { code: 'TRUNCATED', gotResponse: true }));
      });
      res.on('error', (err: RequestError) => reject(Object.assign(err, { gotResponse: true })));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', (err: RequestError) => reject(Object.assign(err, { reusedSocket: req.reusedSocket, gotResponse })));
    req.end();
  });
}

/**
 * Runs until `shouldStop()` or the listener refuses connections. Statuses ≥ 500 and resets after (or without) a
 * response on a fresh connection count as failures.
 */
export async function runClient(url: string, headers: Record<string, string>, outcome: Outcome, shouldStop: () => boolean): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    while (!shouldStop()) {
      try {
        const res = await get(url, { agent, headers });
        outcome.responses += 1;
        outcome.byStatus[res.status] = (outcome.byStatus[res.status] ?? 0) + 1;
        if (res.status >= 500) outcome.failures.push(`status ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`);
      } catch (e) {
        const err = e as RequestError;
        if (err.code === 'ECONNREFUSED') {
          outcome.refused += 1;
          return;
        }
        if (err.reusedSocket && !err.gotResponse && (err.code === 'ECONNRESET' || err.message === 'socket hang up')) {
          outcome.notAccepted += 1;
          continue;
        }
        outcome.failures.push(`${err.code ?? 'error'}: ${err.message} (reusedSocket=${String(err.reusedSocket)}, gotResponse=${String(err.gotResponse)})`);
      }
    }
  } finally {
    agent.destroy();
  }
}
