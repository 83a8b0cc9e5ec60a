import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const scalingDoc = fileURLToPath(new URL('../../../docs/scaling.md', import.meta.url));

/** The three instances every documented balancer configuration names, in order. */
export const DOCUMENTED_SERVERS = ['10.0.0.11:8000', '10.0.0.12:8000', '10.0.0.13:8000'] as const;

/**
 * The one code block of docs/scaling.md fenced as ```` ```<language> ```` (e.g. `haproxy`,
 * `nginx`), so a test runs exactly the configuration the documentation recommends.
 */
export function documentedBlock(language: string): string {
  const fence = new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm');
  const [block, ...others] = [...readFileSync(scalingDoc, 'utf8').matchAll(fence)];
  if (block?.[1] === undefined || others.length > 0) {
    throw new Error(`docs/scaling.md must contain exactly one \`\`\`${language} code block`);
  }
  return block[1];
}

/**
 * Replaces `from` in a documented configuration by `to`; throws unless `from` occurs exactly
 * once (the documentation changed in a way the test cannot follow).
 */
export function replaceOnce(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) {
    throw new Error(`docs/scaling.md: the balancer configuration must contain "${from}" exactly once`);
  }
  return parts.join(to);
}

/** Replaces the documented instances' addresses by `127.0.0.1:<port>`, in order. */
export function withServerPorts(config: string, ports: readonly number[]): string {
  if (ports.length !== DOCUMENTED_SERVERS.length) {
    throw new Error(`the documented configuration has ${DOCUMENTED_SERVERS.length} servers`);
  }
  return DOCUMENTED_SERVERS.reduce(
    (text, address, index) => replaceOnce(text, address, `127.0.0.1:${String(ports[index])}`),
    config,
  );
}
