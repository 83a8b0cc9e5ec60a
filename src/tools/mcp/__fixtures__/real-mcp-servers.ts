import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import type { McpStdioServerConfig } from '../mcp-server-config.js';

const require = createRequire(import.meta.url);

/** Absolute path of an installed package's first `bin` script (run with `process.execPath`, no npx). */
export function binPathOf(packageName: string): string {
  const manifestPath = require.resolve(`${packageName}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin?: Record<string, string> };
  const bin = Object.values(manifest.bin ?? {})[0];
  if (bin === undefined) throw new Error(`${packageName} has no bin`);
  return join(dirname(manifestPath), bin);
}

/** server-everything over stdio. */
export function everythingStdioConfig(): McpStdioServerConfig {
  return { command: process.execPath, args: [binPathOf('@modelcontextprotocol/server-everything'), 'stdio'] };
}

/** server-filesystem over stdio, allowed to touch `directory` only. */
export function filesystemStdioConfig(directory: string): McpStdioServerConfig {
  return { command: process.execPath, args: [binPathOf('@modelcontextprotocol/server-filesystem'), directory] };
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A server-everything child serving HTTP on 127.0.0.1. */
export interface EverythingHttpServer {
  /** `http://127.0.0.1:<port>/mcp` (Streamable HTTP) or `/sse` (SSE). */
  url: string;
  child: ChildProcess;
  /** Kills the child and waits for it to exit; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts server-everything in `streamableHttp` or `sse` mode on a free port and waits until it
 * answers HTTP (any status), so the test never races the server's start.
 */
export async function startEverythingHttp(
  mode: 'streamableHttp' | 'sse',
  timeoutMs = 20_000,
): Promise<EverythingHttpServer> {
  const port = await findFreePort();
  const child = spawn(process.execPath, [binPathOf('@modelcontextprotocol/server-everything'), mode], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server-everything ${mode} exited early: ${stderr}`);
    try {
      const response = await fetch(`${base}/mcp`, { method: 'DELETE' });
      await response.body?.cancel();
      break;
    } catch {
      if (Date.now() > deadline) {
        await close();
        throw new Error(`server-everything ${mode} did not answer on ${base}: ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return { url: mode === 'sse' ? `${base}/sse` : `${base}/mcp`, child, close };
}

/** Whether a process with this pid still exists. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
