/**
 * The `documents` phase: the contract itself (`GET /openapi.json`, `GET /openapi.yaml`) and its self-hosted Redoc
 * page at `/docs`. Public, and charged on the `public` rate limiter; they are documents, not operations of the
 * contract, so they are served before routing.
 */
import { readFileSync } from 'node:fs';
import express, { Router, type RequestHandler } from 'express';
import { fromRoot } from '../paths.js';

/** The paths of the contract's documents. */
export const isContractDocument = (p: string): boolean => p === '/openapi.json' || p === '/openapi.yaml' || p === '/docs' || p.startsWith('/docs/');

/** API requests skip these routes with one string check instead of walking the router's layers. */
export function serveContract(spec: object, limiter: RequestHandler): RequestHandler {
  const router = contractRouter(spec, limiter);
  return (req, res, next) => (isContractDocument(req.path) ? router(req, res, next) : next());
}

function contractRouter(spec: object, limiter: RequestHandler): Router {
  const router = Router();
  router.use(limiter);
  const json = JSON.stringify(spec, null, 2);
  const yaml = readFileSync(fromRoot('openapi/openapi.yaml'), 'utf8');
  const cache = 'public, max-age=300';
  router.get('/openapi.json', (_req, res) => {
    res.set('Cache-Control', cache).type('application/json').send(json);
  });
  router.get('/openapi.yaml', (_req, res) => {
    res.set('Cache-Control', cache).type('application/yaml').send(yaml);
  });
  router.get('/docs', (req, res, next) => {
    // `/docs` → `/docs/` so the page's relative asset URLs resolve under /docs/.
    if (!req.originalUrl.split('?')[0]!.endsWith('/')) {
      res.redirect(301, '/docs/');
      return;
    }
    next();
  });
  router.use(
    '/docs',
    express.static(fromRoot('generated/docs'), {
      index: 'index.html',
      redirect: false,
      fallthrough: true,
      setHeaders: (res) => res.setHeader('Cache-Control', cache),
    }),
  );
  return router;
}
