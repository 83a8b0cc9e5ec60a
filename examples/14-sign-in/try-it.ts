/**
 * The sign-in flow of `agent.ts` on this machine, with no provider account and no model key: a
 * local issuer (an RS256 key, its discovery document and key set on 127.0.0.1) stands in for
 * your identity provider and signs two users' access tokens; the agent verifies them, and each
 * user chats and lists only their own threads. Without a model key the answers are stub replies.
 *
 *   npx tsx examples/14-sign-in/try-it.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/** An issuer reduced to what the gateway reads: discovery, the key set, and tokens it signs. */
export async function startLocalIssuer() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'local-1', alg: 'RS256', use: 'sig' };
  const server = createServer((request, response) => {
    const documents: Record<string, unknown> = {
      '/.well-known/openid-configuration': { issuer, jwks_uri: `${issuer}/jwks` },
      '/jwks': { keys: [jwk] },
    };
    const document = documents[request.url ?? ''];
    response.writeHead(document === undefined ? 404 : 200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(document ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    /** An access token for `subject` of `tenant`, for `audience`, valid ten minutes. */
    sign: (subject: string, tenant: string, audience: string) =>
      new SignJWT({ org_id: tenant, scope: 'agent:use' })
        .setProtectedHeader({ alg: 'RS256', kid: 'local-1' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(subject)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(privateKey),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What `tryIt` saw: each user's answer and the titles of the threads each one may list. */
export interface SignInTour {
  anonymousStatus: number;
  answers: Record<string, string>;
  threads: Record<string, string[]>;
}

/** Reads the text of an SSE chat response (its `text_delta` events). */
async function answerOf(response: Response): Promise<string> {
  let text = '';
  for (const line of (await response.text()).split('\n')) {
    if (!line.startsWith('data: ')) continue;
    const event = JSON.parse(line.slice('data: '.length)) as { type?: string; text?: string };
    if (event.type === 'text_delta') text += event.text ?? '';
  }
  return text;
}

/** Starts the issuer and the agent, lets two users of one tenant chat, and closes both. */
export async function tryIt(log: (line: string) => void = console.log): Promise<SignInTour> {
  const issuer = await startLocalIssuer();
  const audience = 'https://agent.example.com/api';
  // What `agent.ts` reads when it loads; put back as it was once it has.
  const before = { issuer: process.env.OIDC_ISSUER, audience: process.env.API_AUDIENCE };
  process.env.OIDC_ISSUER = issuer.issuer;
  process.env.API_AUDIENCE = audience;
  const { default: app } = await import('./agent.js').finally(() => {
    for (const [name, value] of [
      ['OIDC_ISSUER', before.issuer],
      ['API_AUDIENCE', before.audience],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  const server = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const api = `${server.url}/api`;
    const anonymous = await fetch(`${api}/threads`);
    log(`without a token: ${anonymous.status}`);
    const tour: SignInTour = { anonymousStatus: anonymous.status, answers: {}, threads: {} };
    for (const user of ['ada', 'grace']) {
      const headers = {
        authorization: `Bearer ${await issuer.sign(user, 'acme', audience)}`,
        'content-type': 'application/json',
      };
      const created = await fetch(`${api}/threads`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ title: `${user}'s questions` }),
      });
      const { thread_id: threadId } = (await created.json()) as { thread_id: string };
      const chat = await fetch(`${api}/chat`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ thread_id: threadId, messages: [{ role: 'user', content: 'Hello!' }] }),
      });
      tour.answers[user] = await answerOf(chat);
      const listed = (await (await fetch(`${api}/threads`, { headers })).json()) as {
        threads: Array<{ title: string | null }>;
      };
      tour.threads[user] = listed.threads.map((thread) => thread.title ?? '');
      log(`${user}: "${tour.answers[user]}"; sees threads ${JSON.stringify(tour.threads[user])}`);
    }
    return tour;
  } finally {
    await server.close();
    await app.close();
    await issuer.close();
  }
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) await tryIt();
