import type { Principal } from '../../src/core/principal.js';
import type { Provider } from '../../src/core/provider.js';

/** `server.authenticate` for budget tests: `Bearer <tenant>.<subject>` is that member of that tenant. */
export const tenantMember = (request: Request): Principal | null => {
  const match = /^Bearer ([a-z]+)\.([a-z0-9]+)$/.exec(request.headers.get('authorization') ?? '');
  return match === null ? null : { tenant: match[1] ?? '', subject: match[2] ?? '', scopes: [], claims: {} };
};

/** A provider whose calls wait for `release()` before they stream: counts the calls that reached it. */
export function holdingProvider(inner: Provider): {
  provider: Provider;
  reached: () => number;
  release: () => void;
} {
  let release = (): void => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached = 0;
  const provider: Provider = Object.create(inner) as Provider;
  provider.stream = (request, signal) => {
    reached += 1;
    return (async function* held() {
      await released;
      yield* inner.stream(request, signal);
    })();
  };
  return { provider, reached: () => reached, release };
}
