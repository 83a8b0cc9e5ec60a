/**
 * A `POST` of JSON to the gateway at `base` (its route prefix included), with a bearer token when
 * one is given; resolves the JSON answer and throws on any status from 300 on.
 */
export const jsonPoster =
  (base: string) =>
  async (path: string, body: unknown, token?: string): Promise<Record<string, unknown>> => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (response.status >= 300)
      throw new Error(`${path} answered ${response.status}: ${JSON.stringify(json)}`);
    return json;
  };
