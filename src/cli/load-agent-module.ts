import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import type { GatewayApp } from '../server/gateway-app.js';

const isGatewayApp = (value: unknown): value is GatewayApp =>
  typeof value === 'object' &&
  value !== null &&
  'fetch' in value &&
  typeof value.fetch === 'function' &&
  'listen' in value &&
  typeof value.listen === 'function' &&
  'close' in value &&
  typeof value.close === 'function';

/**
 * Loads an agent module (`.ts` through tsx, or plain `.js`) and returns its gateway app: the
 * default export, else an export named `app`. Throws with a message that says what was found.
 */
export async function loadAgentModule(file: string, cwd: string = process.cwd()): Promise<GatewayApp> {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new Error(`Agent module not found: ${path}`);
  const loaded: unknown = await tsImport(pathToFileURL(path).href, import.meta.url);
  const exports = (typeof loaded === 'object' && loaded !== null ? loaded : {}) as Record<string, unknown>;
  const candidate = isGatewayApp(exports.default) ? exports.default : exports.app;
  if (isGatewayApp(candidate)) return candidate;
  const names = Object.keys(exports).join(', ') || '(none)';
  throw new Error(
    `${file} must export a gateway app (from createAgent or createGatewayApp) as its default export or as \`app\`; its exports are: ${names}`,
  );
}
