/** The stage runner behind createApp: order, errors (passed, thrown, rejected), answering early — over HTTP. */
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { pipeline } from '../../src/http/pipeline.js';

function appWith(stages: RequestHandler[]) {
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
  return app;
}

const mark =
  (name: string): RequestHandler =>
  (req, _res, next) => {
    (req as unknown as { seen: string[] }).seen.push(name);
    next();
  };

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
  });

  it('nested arrays are flattened (a stage may be a list of middlewares)', async () => {
    const res = await request(appWith([mark('a'), [mark('b1'), mark('b2')] as unknown as RequestHandler, mark('c')])).get('/');
    expect(res.body.seen).toEqual(['a', 'b1', 'b2', 'c', 'after']);
  });
});
