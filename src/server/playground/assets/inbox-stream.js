// @ts-check
/**
 * Follows `GET /approvals/stream` for the inbox page: each `approval_requested` frame is a new
 * item, any other frame names one that left (answered, expired, withdrawn). Reconnects with the
 * last event's id when the stream drops, until the signal aborts.
 */

/**
 * @typedef {{
 *   call: (path: string, init?: RequestInit) => Promise<Response>,
 *   signal: AbortSignal,
 *   onRequested: (data: Record<string, unknown>) => void,
 *   onGone: (approvalId: string) => void,
 *   onProblem: (message: string, response?: Response) => void,
 * }} FollowOptions
 */

/** @param {string} text @returns {{ event: string, id: string | undefined, data: string } | undefined} */
function parseFrame(text) {
  let event = 'message';
  /** @type {string | undefined} */
  let id;
  const data = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 ? undefined : { event, id, data: data.join('\n') };
}

/**
 * Reads one response's frames until it ends; returns the last event id seen.
 * @param {NonNullable<Response['body']>} body
 * @param {FollowOptions} options
 * @param {string | undefined} lastId
 */
async function readFrames(body, options, lastId) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return lastId;
    buffered += value.replaceAll('\r\n', '\n');
    for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
      const frame = parseFrame(buffered.slice(0, end));
      buffered = buffered.slice(end + 2);
      if (frame === undefined) continue;
      if (frame.id !== undefined) lastId = frame.id;
      const data = /** @type {Record<string, unknown>} */ (JSON.parse(frame.data));
      if (frame.event === 'approval_requested') options.onRequested(data);
      else options.onGone(String(data['approval_id']));
    }
  }
}

/**
 * Follows the stream until `options.signal` aborts, reconnecting (with the last event's id) two
 * seconds after it drops. A refused request is reported with its response (a 401 asks the
 * person to sign in again) and retried likewise.
 * @param {FollowOptions} options
 */
export async function followApprovals(options) {
  const { signal } = options;
  /** @type {string | undefined} */
  let lastId;
  while (!signal.aborted) {
    try {
      const response = await options.call('/approvals/stream?scope=tenant', {
        signal,
        headers: lastId === undefined ? {} : { 'last-event-id': lastId },
      });
      if (!response.ok || response.body === null) options.onProblem('Live updates refused', response);
      else lastId = await readFrames(response.body, options, lastId);
    } catch (error) {
      if (signal.aborted) return;
      options.onProblem(`Live updates stopped (${String(error)}); retrying`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
