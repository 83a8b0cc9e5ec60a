/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API key the page exchanges for a session token (default `local-demo-key`). */
  readonly VITE_GATEWAY_API_KEY?: string;
}
