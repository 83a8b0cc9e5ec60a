/**
 * Opens `count` sessions of one end user (`bench-user`) with the server-side API key `bench` on
 * the gateway at `base` (its route prefix included); resolves their tokens.
 */
export async function openBenchSessions(base: string, count: number): Promise<string[]> {
  const openSession = async (): Promise<string> => {
    const response = await fetch(`${base}/chat/init`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api_key: 'bench', user: 'bench-user' }),
    });
    const token = ((await response.json()) as { session_token?: unknown }).session_token;
    if (typeof token !== 'string') throw new Error(`chat/init answered ${response.status}`);
    return token;
  };
  return Promise.all(Array.from({ length: count }, () => openSession()));
}
