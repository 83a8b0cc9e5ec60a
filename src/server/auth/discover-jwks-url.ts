/** How long a discovery request may take before the token is refused (the keys stay unknown). */
const DISCOVERY_TIMEOUT_MS = 5_000;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Finds where an issuer publishes its signing keys: `jwks_uri` of its OpenID Connect discovery
 * document (`/.well-known/openid-configuration` under the issuer), else of its OAuth
 * authorization-server metadata (RFC 8414, `/.well-known/oauth-authorization-server` inserted
 * before the issuer's path). The document must name the same issuer (OpenID Connect Discovery
 * 4.3), so a document served for another issuer cannot redirect us to its keys.
 */
export async function discoverJwksUrl(issuer: string, signal?: AbortSignal): Promise<URL> {
  const base = new URL(issuer);
  const path = base.pathname.replace(/\/$/, '');
  const candidates = [
    new URL(`${path}/.well-known/openid-configuration`, base.origin),
    new URL(`/.well-known/oauth-authorization-server${path}`, base.origin),
  ];
  const problems: string[] = [];
  for (const url of candidates) {
    const timeout = AbortSignal.timeout(DISCOVERY_TIMEOUT_MS);
    const response = await fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'manual',
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    }).catch((error: unknown) => {
      problems.push(`${url.href}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
    if (response === undefined) continue;
    if (response.status !== 200) {
      problems.push(`${url.href}: HTTP ${response.status}`);
      await response.body?.cancel();
      continue;
    }
    const document: unknown = await response.json().catch(() => undefined);
    if (!isRecord(document) || typeof document['jwks_uri'] !== 'string') {
      problems.push(`${url.href}: no jwks_uri`);
      continue;
    }
    if (document['issuer'] !== issuer) {
      problems.push(`${url.href}: names issuer ${JSON.stringify(document['issuer'])}`);
      continue;
    }
    return new URL(document['jwks_uri']);
  }
  throw new Error(`no signing keys found for issuer ${issuer} (${problems.join('; ')})`);
}
