import { createHmac, timingSafeEqual } from 'node:crypto';

/*
 * The SDK's `createRequestStateCodec` seals with Web Crypto, which is asynchronous; a call
 * served from the run's log frames its `input_required` result inside a synchronous framing.
 * This is the same seal, written with `node:crypto`: `v1.` + base64url(JSON of
 * `{ p, exp, b }`) + `.` + base64url(HMAC-SHA256(key, "v1." + body)), `b` the first 16 bytes of
 * HMAC-SHA256(key, "mcp.requestState.bind:" + binding), base64url. A state it seals is verified
 * by the codec made with the same key, and the reverse (`request-state-seal.test.ts`).
 */

const PREFIX = 'v1.';
const BIND_LABEL = 'mcp.requestState.bind:';
/** Bind tags kept (one per owner that asked recently); the map is emptied when full. */
const MAX_BIND_TAGS = 1_000;

/** Seals a request state synchronously, as the SDK's codec with the same key mints it. */
export interface RequestStateSealer<T> {
  /** The wire state of `payload` for the owner `binding` (what the codec's `bind` returns). */
  seal(payload: T, binding: string): string;
  /**
   * The payload of a state the codec would verify for `binding` (its MAC, expiry and binding
   * checked); undefined for any state it might refuse (the caller then leaves it to the codec,
   * which gives its own error). Not shape-checked: the payload is what was sealed.
   */
  open(state: string, binding: string): unknown;
}

/** A sealer for `key` (the codec's key, as a string) and `ttlSeconds` (the codec's TTL). */
export function createRequestStateSealer<T>(options: {
  key: string;
  ttlSeconds: number;
}): RequestStateSealer<T> {
  const bindTags = new Map<string, string>();
  const bindTagOf = (binding: string): string => {
    let tag = bindTags.get(binding);
    if (tag === undefined) {
      tag = createHmac('sha256', options.key)
        .update(BIND_LABEL + binding)
        .digest()
        .subarray(0, 16)
        .toString('base64url');
      if (bindTags.size >= MAX_BIND_TAGS) bindTags.clear();
      bindTags.set(binding, tag);
    }
    return tag;
  };
  const equal = (left: string, right: string): boolean =>
    left.length === right.length && timingSafeEqual(Buffer.from(left), Buffer.from(right));
  return {
    open(state, binding) {
      const dot = state.lastIndexOf('.');
      if (!state.startsWith(PREFIX) || dot <= PREFIX.length) return undefined;
      const body = state.slice(PREFIX.length, dot);
      const mac = createHmac('sha256', options.key)
        .update(PREFIX + body)
        .digest('base64url');
      if (!equal(state.slice(dot + 1), mac)) return undefined;
      let envelope: unknown;
      try {
        envelope = JSON.parse(
          new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(body, 'base64url')),
        );
      } catch {
        return undefined;
      }
      if (typeof envelope !== 'object' || envelope === null) return undefined;
      const exp: unknown = Reflect.get(envelope, 'exp');
      const tag: unknown = Reflect.get(envelope, 'b');
      if (typeof exp !== 'number' || exp < Math.floor(Date.now() / 1000)) return undefined;
      if (typeof tag !== 'string' || !equal(tag, bindTagOf(binding))) return undefined;
      const payload: unknown = Reflect.get(envelope, 'p');
      return payload;
    },
    seal(payload, binding) {
      const envelope = {
        p: payload,
        exp: Math.floor(Date.now() / 1000) + options.ttlSeconds,
        b: bindTagOf(binding),
      };
      const body = Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64url');
      const mac = createHmac('sha256', options.key)
        .update(PREFIX + body)
        .digest('base64url');
      return `${PREFIX}${body}.${mac}`;
    },
  };
}
