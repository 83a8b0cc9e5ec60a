import type * as PromClientModule from 'prom-client';
import { GatewayError } from '../../core/errors.js';

/** The `prom-client` module, loaded only when metrics are turned on. */
export type PromClient = typeof PromClientModule;

/**
 * Loads `prom-client` (an optional peer dependency) or fails with a message that says how to
 * get it; nobody who leaves metrics off pays for the module.
 */
export async function loadPromClient(): Promise<PromClient> {
  try {
    return await import('prom-client');
  } catch (error) {
    throw new GatewayError(
      'invalid_option',
      "server.metrics needs the 'prom-client' package: npm install prom-client",
      { cause: error },
    );
  }
}
