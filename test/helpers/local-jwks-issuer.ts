import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** An OpenID Connect issuer reduced to what a resource server reads: discovery and JWKS. */
export interface LocalJwksIssuer {
  /** `http://127.0.0.1:<port>`: the `iss` of its tokens. */
  readonly issuer: string;
  readonly jwksUrl: string;
  /** How many times the key set was fetched. */
  readonly jwksFetches: number;
  /** While true, discovery and the key set answer 503 (the provider is down). */
  down: boolean;
  /** The public key of `kid` as a JWK (to forge tokens with it). */
  publicJwk(kid?: string): JWK;
  /** Signs `claims` with the key `kid` (default: the published one), RS256 unless told. */
  sign(claims: JWTPayload, options?: { kid?: string; expiresIn?: string | number }): Promise<string>;
  /** Makes a key that is not published yet; `publish` adds it to the key set. */
  addKey(kid: string, options?: { publish?: boolean }): Promise<void>;
  close(): Promise<void>;
}

interface KeyEntry {
  privateKey: CryptoKey;
  publicJwk: JWK;
  published: boolean;
}

/** Starts a discovery document and a JWKS endpoint on 127.0.0.1 with one published RS256 key `k1`. */
export async function startLocalJwksIssuer(): Promise<LocalJwksIssuer> {
  const keys = new Map<string, KeyEntry>();
  const addKey = async (kid: string, options: { publish?: boolean } = {}): Promise<void> => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    keys.set(kid, { privateKey, publicJwk, published: options.publish ?? true });
  };
  await addKey('k1');
  let jwksFetches = 0;
  const state = { down: false };
  const server: Server = createServer((request, response) => {
    if (state.down) {
      response.writeHead(503).end();
      return;
    }
    if (request.url === '/.well-known/openid-configuration') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
      return;
    }
    if (request.url === '/jwks') {
      jwksFetches += 1;
      const published = [...keys.values()].filter((key) => key.published).map((key) => key.publicJwk);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: published }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entryOf = (kid: string): KeyEntry => {
    const entry = keys.get(kid);
    if (entry === undefined) throw new Error(`no key ${kid}`);
    return entry;
  };
  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    get jwksFetches() {
      return jwksFetches;
    },
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    publicJwk: (kid = 'k1') => entryOf(kid).publicJwk,
    sign: (claims, options = {}) => {
      const kid = options.kid ?? 'k1';
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '1h')
        .sign(entryOf(kid).privateKey);
    },
    addKey,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
