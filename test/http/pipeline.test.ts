/**
 * The stage runner behind createApp: order, errors (passed, thrown, rejected), answering early — over HTTP, on its
 * own and in the real app (where every stage that answers must be the last one to run).
 */
import http from 'node:http';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeline, type Stage } from '../../src/http/pipeline.js';
import { ACME_KEY, recordCalls, startTestApp, type TestApp } from '../support/app.js';

function appWith(stages: Stage[]) {
  const seen: string[] = [];
  const app = express();
  app.use((req, _res, next) => {
    (req as unknown as { seen: string[] }).seen = seen;
    next();
  });
  app.use(pipeline(stages));
  app.use((_req, res) => {
    seen.push('after');
    res.json({ seen });
  });
  const onError: ErrorRequestHandler = (err: Error, _req, res, _next) => {
    seen.push(`error:${err.message}`);
    res.status(500).json({ seen });
  };
  app.use(onError);
  app.locals.seen = seen;
  return app;
}

const mark =
  (name: string): RequestHandler =>
  (req, _res, next) => {
    (req as unknown as { seen: string[] }).seen.push(name);
    next();
  };

/** Lets anything a second call set off happen before a test looks at what ran. */
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('pipeline()', () => {
  it('runs the stages in order, then the next Express layer', async () => {
    const res = await request(appWith([mark('a'), mark('b'), mark('c')])).get('/');
    expect(res.body.seen).toEqual(['a', 'b', 'c', 'after']);
  });

  it('next(err) skips the remaining stages and reaches the error middleware', async () => {
    const fail: RequestHandler = (_req, _res, next) => next(new Error('boom'));
    const res = await request(appWith([mark('a'), fail, mark('c')])).get('/');
    expect(res.status).toBe(500);
    expect(res.body.seen).toEqual(['a', 'error:boom']);
  });

  it('a thrown error and a rejected promise are errors too', async () => {
    const thrower: RequestHandler = () => {
      throw new Error('thrown');
    };
    const rejecter: RequestHandler = async () => {
      await Promise.resolve();
      throw new Error('rejected');
    };
    expect((await request(appWith([mark('a'), thrower, mark('c')])).get('/')).body.seen).toEqual(['a', 'error:thrown']);
    expect((await request(appWith([rejecter, mark('c')])).get('/')).body.seen).toEqual(['error:rejected']);
  });

  it('an async stage that calls next() continues the sequence', async () => {
    const later: RequestHandler = async (req, _res, next) => {
      await new Promise((r) => setTimeout(r, 5));
      (req as unknown as { seen: string[] }).seen.push('later');
      next();
    };
    expect((await request(appWith([mark('a'), later, mark('b')])).get('/')).body.seen).toEqual(['a', 'later', 'b', 'after']);
  });

  it('a stage that answers ends the request there', async () => {
    const answer: RequestHandler = (_req, res) => {
      res.status(204).end();
    };
    const app = appWith([mark('a'), answer, mark('never')]);
    const res = await request(app).get('/');
    expect(res.status).toBe(204);
    // Neither the later stage nor the next Express layer (nor the error middleware) ran.
    expect(app.locals.seen).toEqual(['a']);
  });

  it('an async stage that answers ends the request there too', async () => {
    const answerLater: RequestHandler = async (_req, res) => {
      await new Promise((r) => setTimeout(r, 5));
      res.status(204).end();
    };
    const app = appWith([mark('a'), answerLater, mark('never')]);
    expect((await request(app).get('/')).status).toBe(204);
    await new Promise((r) => setTimeout(r, 20));
    expect(app.locals.seen).toEqual(['a']);
  });

  it('nested arrays are flattened (a stage may be a list of middlewares)', async () => {
    const res = await request(appWith([mark('a'), [mark('b1'), mark('b2')] as unknown as RequestHandler, mark('c')])).get('/');
    expect(res.body.seen).toEqual(['a', 'b1', 'b2', 'c', 'after']);
  });
});

describe('pipeline(): each stage moves on once', () => {
  it('a stage that calls next() twice runs the rest once', async () => {
    const twice: RequestHandler = (req, _res, next) => {
      (req as unknown as { seen: string[] }).seen.push('twice');
      next();
      next();
    };
    const app = appWith([twice, mark('b')]);
    const res = await request(app).get('/');
    expect(res.status).toBe(200);
    await settle();
    expect(app.locals.seen).toEqual(['twice', 'b', 'after']);
  });

  it('next(err) after next() is ignored, and next(null) is next()', async () => {
    const late: RequestHandler = (_req, _res, next) => {
      next(null);
      next(new Error('late'));
    };
    const app = appWith([mark('a'), late, mark('b')]);
    const res = await request(app).get('/');
    expect(res.status).toBe(200);
    await settle();
    expect(app.locals.seen).toEqual(['a', 'b', 'after']);
  });

  it('a stage may return a value that is not a promise (null, an object): only a thenable is waited on', async () => {
    const returnsNull = ((req, _res, next) => {
      (req as unknown as { seen: string[] }).seen.push('null');
      setTimeout(next, 1);
      return null;
    }) as RequestHandler;
    const returnsObject = ((req, _res, next) => {
      (req as unknown as { seen: string[] }).seen.push('object');
      setTimeout(next, 1);
      return { then: 'not a function' };
    }) as RequestHandler;
    const app = appWith([returnsNull, returnsObject, mark('c')]);
    const res = await request(app).get('/');
    expect(res.status).toBe(200);
    expect(res.body.seen).toEqual(['null', 'object', 'c', 'after']);
  });
});

describe('pipeline(): a stage that handles refusals', () => {
  /** A charging stage (the rate limiter's shape): it runs for every request and passes the refusal on. */
  const charging = (name: string, refused: Exclude<Stage, RequestHandler>['refused']): Stage => ({
    run: mark(name),
    refused: (err, req, res, next) => {
      (req as unknown as { seen: string[] }).seen.push(`${name}:${(err as Error).message}`);
      return refused(err, req, res, next);
    },
  });
  const fail: RequestHandler = (_req, _res, next) => next(new Error('boom'));

  it('runs on a request that went through: its run part, like any stage', async () => {
    const res = await request(appWith([mark('a'), charging('limit', (e, _q, _s, pass) => pass(e)), mark('b')])).get('/');
    expect(res.body.seen).toEqual(['a', 'limit', 'b', 'after']);
  });

  it('gets the refusal of an earlier stage, skipping the plain stages, and passes it on', async () => {
    const app = appWith([mark('a'), fail, mark('skipped'), charging('limit', (_e, _q, _s, pass) => pass()), mark('skipped too')]);
    const res = await request(app).get('/');
    expect(res.status).toBe(500);
    expect(res.body.seen).toEqual(['a', 'limit:boom', 'error:boom']);
  });

  it('may replace the refusal with its own, which the next such stage gets', async () => {
    const app = appWith([
      fail,
      charging('limit', (_e, _q, _s, pass) => pass(new Error('429'))),
      charging('audit', (e, _q, _s, pass) => pass(e)),
    ]);
    const res = await request(app).get('/');
    expect(res.body.seen).toEqual(['limit:boom', 'audit:429', 'error:429']);
  });

  it('passing twice, or throwing after passing, passes once', async () => {
    const app = appWith([
      fail,
      charging('twice', (e, _q, _s, pass) => {
        pass(e);
        pass(new Error('again'));
        throw new Error('thrown after passing');
      }),
      charging('once', (e, _q, _s, pass) => pass(e)),
    ]);
    const res = await request(app).get('/');
    expect(res.status).toBe(500);
    await settle();
    expect(app.locals.seen).toEqual(['twice:boom', 'once:boom', 'error:boom']);
  });

  it('a refused part that throws or rejects passes that error on', async () => {
    const thrower = appWith([fail, charging('limit', () => { throw new Error('store down'); })]);
    expect((await request(thrower).get('/')).body.seen).toEqual(['limit:boom', 'error:store down']);
    const rejecter = appWith([fail, charging('limit', () => Promise.reject(new Error('store gone')) as unknown as void)]);
    expect((await request(rejecter).get('/')).body.seen).toEqual(['limit:boom', 'error:store gone']);
  });
});

describe('in the real app, a stage that answers is the last to run', () => {
  const ORIGIN = 'https://portal.example.com';
  // Well-formed but unknown: authentication, had it run, would have looked it up in the backend.
  const UNKNOWN_KEY = 'Bearer pk_live_NobodysKeyNobodysKeyNobo0001';
  let t: TestApp;
  let calls: string[];

  beforeAll(async () => {
    t = await startTestApp({ PORTAL_CORS_ORIGINS: ORIGIN }, {
      wrapBackend: (b) => {
        const recorded = recordCalls(b);
        calls = recorded.calls;
        return recorded.backend;
      },
    });
  });
  afterAll(() => t.close());

  /** One request on a keep-alive connection of its own; `reused` tells whether a second one went over it. */
  function send(agent: http.Agent, method: string, path: string, headers: Record<string, string>) {
    return new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
      const req = http.request(`${t.url}${path}`, { method, headers, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it.each([
    ['a CORS preflight (the CORS stage)', 'OPTIONS', '/v1/contacts', { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET', Authorization: UNKNOWN_KEY }, 204],
    ['a plain OPTIONS (the method guard)', 'OPTIONS', '/v1/jobs', { Authorization: UNKNOWN_KEY }, 204],
    ['the contract (its own router)', 'GET', '/openapi.json', { Authorization: UNKNOWN_KEY }, 200],
    ['the docs page (its own router)', 'GET', '/docs/', { Authorization: UNKNOWN_KEY }, 200],
    ['an operation (the handler)', 'GET', '/v1/contacts?limit=1', { Authorization: `Bearer ${ACME_KEY}` }, 200],
  ] as const)('%s: no later stage runs, one access line, no error, and the connection stays usable', async (_name, method, path, headers, status) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const linesBefore = t.logs.lines.length;
      const callsBefore = calls.length;
      expect((await send(agent, method, path, headers)).status).toBe(status);
      // Settle: a stage running after the answer would do so right after it.
      await new Promise((r) => setTimeout(r, 50));
      const backendCalls = calls.slice(callsBefore).filter((c) => c !== 'apiKeysVersion' && c !== 'circuitState');
      // Only the operation itself reads data (and authentication its key, on a cache miss).
      expect(backendCalls.filter((c) => c !== 'findApiKeyByHash')).toEqual(path.startsWith('/v1/contacts?') && method === 'GET' ? ['listContacts'] : []);
      if (method === 'OPTIONS' || path.startsWith('/openapi') || path.startsWith('/docs')) expect(backendCalls).toEqual([]);
      const records = t.logs.lines.slice(linesBefore).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(records.filter((r) => r.msg === 'request')).toHaveLength(1);
      expect(records.filter((r) => (r.level as number) >= 40)).toEqual([]);
      // Nothing tore the connection down after the answer: the next request goes over the same socket.
      expect(await send(agent, 'GET', '/v1/health', {})).toEqual({ status: 200, reused: true });
    } finally {
      agent.destroy();
    }
  });
});
