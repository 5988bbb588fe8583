/**
 * A real OIDC key server for tests: a JWKS document served over HTTP on 127.0.0.1 from keys generated with
 * `jose`, and helpers that mint good and deliberately bad tokens against it.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

interface KeyEntry {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  published: boolean;
}

export interface SignOptions {
  kid?: string;
  /** Seconds from now; negative for an expired token. Default 300. */
  expiresIn?: number;
  /** Seconds from now for `nbf`. */
  notBefore?: number;
  issuer?: string;
  audience?: string;
  /** Omit registered claims by setting them to null. */
  omit?: Array<'exp' | 'sub' | 'iss' | 'aud'>;
}

export interface JwksServer {
  url: string;
  issuer: string;
  audience: string;
  /** JWKS GETs served so far. */
  fetches(): number;
  /** Adds a key that is not yet published; `publish(kid)` makes it appear in the JWKS. */
  addKey(kid: string, alg?: 'RS256' | 'ES256' | 'PS256' | 'EdDSA'): Promise<void>;
  publish(kid: string): void;
  /** A signed JWT with the default claims (tenant claim, sub, scope) merged with `claims`. */
  sign(claims?: JWTPayload, opts?: SignOptions): Promise<string>;
  /** `alg: none`, no signature. */
  unsigned(claims?: JWTPayload): string;
  /** HS256 with the RSA public key (SPKI PEM) as the HMAC secret: the classic algorithm-confusion attack. */
  hs256WithPublicKey(claims?: JWTPayload, kid?: string): Promise<string>;
  /** Makes the JWKS endpoint answer 500 (`true`) or normally again. */
  failing(on: boolean): void;
  close(): Promise<void>;
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

export async function startJwksServer(opts: { tenantClaim?: string; defaultClaims?: JWTPayload } = {}): Promise<JwksServer> {
  const keys = new Map<string, KeyEntry>();
  let fetches = 0;
  let fail = false;
  const jwks = async () => {
    const out: JWK[] = [];
    for (const k of keys.values()) {
      if (!k.published) continue;
      out.push({ ...(await exportJWK(k.publicKey)), kid: k.kid, alg: k.alg, use: 'sig' });
    }
    return { keys: out };
  };

  const server: Server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches += 1;
    if (fail) {
      res.writeHead(500).end();
      return;
    }
    void jwks().then((body) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/`;
  const audience = 'portal-api';
  const tenantClaim = opts.tenantClaim ?? 'tenant_id';

  async function addKey(kid: string, alg: 'RS256' | 'ES256' | 'PS256' | 'EdDSA' = 'RS256'): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    keys.set(kid, { kid, alg, privateKey, publicKey, published: false });
  }
  await addKey('rsa-1', 'RS256');
  await addKey('ec-1', 'ES256');
  for (const k of keys.values()) k.published = true;

  const claimsWith = (claims: JWTPayload = {}): JWTPayload => ({
    [tenantClaim]: 'ten_acme',
    sub: 'user-123',
    scope: 'contacts:read jobs:read files:read',
    ...opts.defaultClaims,
    ...claims,
  });

  return {
    url: `${base}/.well-known/jwks.json`,
    issuer,
    audience,
    fetches: () => fetches,
    addKey,
    publish(kid) {
      const k = keys.get(kid);
      if (!k) throw new Error(`no key ${kid}`);
      k.published = true;
    },
    async sign(claims, o = {}) {
      const kid = o.kid ?? 'rsa-1';
      const k = keys.get(kid);
      if (!k) throw new Error(`no key ${kid}`);
      const payload = claimsWith(claims);
      const omit = new Set(o.omit ?? []);
      if (omit.has('sub')) delete payload.sub;
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT(payload).setProtectedHeader({ alg: k.alg, kid, typ: 'JWT' }).setIssuedAt(now);
      if (!omit.has('iss')) jwt.setIssuer(o.issuer ?? issuer);
      if (!omit.has('aud')) jwt.setAudience(o.audience ?? audience);
      if (!omit.has('exp')) jwt.setExpirationTime(now + (o.expiresIn ?? 300));
      if (o.notBefore !== undefined) jwt.setNotBefore(now + o.notBefore);
      return jwt.sign(k.privateKey);
    },
    unsigned(claims) {
      const now = Math.floor(Date.now() / 1000);
      const payload = { ...claimsWith(claims), iss: issuer, aud: audience, iat: now, exp: now + 300 };
      return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}.`;
    },
    async hs256WithPublicKey(claims, kid = 'rsa-1') {
      const k = keys.get(kid);
      if (!k) throw new Error(`no key ${kid}`);
      const pem = await exportSPKI(k.publicKey);
      const now = Math.floor(Date.now() / 1000);
      const payload = { ...claimsWith(claims), iss: issuer, aud: audience, iat: now, exp: now + 300 };
      const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid }))}.${b64url(JSON.stringify(payload))}`;
      return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
    },
    failing(on) {
      fail = on;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
