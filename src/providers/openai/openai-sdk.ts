import type * as OpenAIModule from 'openai';

/** The official OpenAI SDK's module. */
export type OpenAISdk = typeof OpenAIModule;

let loading: Promise<OpenAISdk> | undefined;
let loaded: OpenAISdk | undefined;

/**
 * The OpenAI SDK, loaded at the provider's first call: a gateway that never calls an OpenAI model
 * never loads it (about 100 ms of a start here). Loaded once; a failed load is tried again at the
 * next call.
 */
export function loadOpenAISdk(): Promise<OpenAISdk> {
  loading ??= import('openai').then(
    (sdk) => (loaded = sdk),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/**
 * The SDK once `loadOpenAISdk` has loaded it, else undefined: an error can only be one of the
 * SDK's once a call was made, which loads it.
 */
export function loadedOpenAISdk(): OpenAISdk | undefined {
  return loaded;
}
