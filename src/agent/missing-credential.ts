import type { Provider } from '../core/provider.js';
import { providerDisplayName } from './stub-reply.js';

/** The variable each built-in provider reads its credential from. */
const CREDENTIAL_VARIABLES: Readonly<Record<string, string>> = {
  anthropic: 'ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN)',
  openai: 'OPENAI_API_KEY',
};

/** Where a person gets a key of each built-in provider (a newcomer's next question). */
const KEY_PAGES: Readonly<Record<string, string>> = {
  anthropic: 'https://console.anthropic.com/settings/keys',
  openai: 'https://platform.openai.com/api-keys',
};

/**
 * The warning for a provider without a credential, or undefined when it has one: every model
 * turn then gets the stub reply, which is easy to mistake for a broken agent. `subject` says who
 * gets it (`every chat`, `this run`); the line names the variable to set and where to get a key.
 */
export function describeMissingCredential(provider: Provider, subject: string): string | undefined {
  let credential: boolean;
  try {
    credential = provider.hasCredential();
  } catch {
    credential = false;
  }
  if (credential) return undefined;
  const variable = CREDENTIAL_VARIABLES[provider.name];
  const page = KEY_PAGES[provider.name];
  return (
    `no ${providerDisplayName(provider.name)} credential: ${subject} gets a stub reply` +
    (variable === undefined ? '' : `; set ${variable} or pass apiKey`) +
    (page === undefined ? '' : ` (create a key at ${page})`)
  );
}
