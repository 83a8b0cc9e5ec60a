// @ts-check

/**
 * The playground's thread list, shown when the gateway keeps threads (`server.database`): the
 * session's threads newest first, a new thread, switching, deleting, and the current thread in
 * the address (`#thread=<id>`) so a reload restores the conversation.
 */

/** @typedef {Record<string, unknown>} GatewayEvent */
/** @typedef {{ role: string, content: unknown }} StoredMessage */

/**
 * @param {{
 *   list: HTMLElement,
 *   panel: HTMLElement,
 *   call: (path: string, init?: RequestInit & { json?: unknown }) => Promise<Response>,
 *   onOpen: (messages: StoredMessage[]) => void,
 *   onClear: () => void,
 * }} options
 */
export function createThreadList(options) {
  const { list, panel, call } = options;
  let enabled = false;

  const fromAddress = () => {
    const match = /^#thread=([\w.:-]{1,128})$/.exec(location.hash);
    return match === null ? undefined : match[1];
  };
  /** @param {string | undefined} id */
  const setAddress = (id) => history.replaceState(null, '', id === undefined ? ' ' : `#thread=${id}`);
  const newId = () => {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return `thr_${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
  };

  /** @param {{ thread_id: string, title: string | null, updated_at: string }} thread */
  const item = (thread) => {
    const entry = document.createElement('li');
    if (thread.thread_id === fromAddress()) entry.className = 'current';
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'open-thread';
    open.textContent = thread.title ?? thread.thread_id.slice(0, 12);
    open.title = `${thread.thread_id}, updated ${thread.updated_at}`;
    open.addEventListener('click', () => void api.open(thread.thread_id));
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'delete-thread';
    remove.textContent = 'Delete';
    remove.addEventListener('click', () => void api.remove(thread.thread_id));
    entry.append(open, remove);
    return entry;
  };

  const api = {
    /** Whether the gateway keeps threads (known after `refresh`). */
    get enabled() {
      return enabled;
    },
    /** The current thread, created on the first message when there is none. */
    current() {
      const id = fromAddress() ?? newId();
      setAddress(id);
      return id;
    },
    /** Reads the list again; hides it when the gateway keeps no threads. */
    async refresh() {
      const response = await call('/threads?limit=50');
      enabled = response.ok;
      panel.hidden = !enabled;
      if (!enabled) return;
      const body =
        /** @type {{ threads: Array<{ thread_id: string, title: string | null, updated_at: string }> }} */ (
          await response.json()
        );
      list.replaceChildren(...body.threads.map(item));
    },
    /** Shows a stored thread's conversation and makes it the current one. @param {string} id */
    async open(id) {
      const response = await call(`/threads/${encodeURIComponent(id)}`);
      if (!response.ok) return;
      const thread = /** @type {{ messages: StoredMessage[] }} */ (await response.json());
      setAddress(id);
      options.onClear();
      options.onOpen(thread.messages);
      await api.refresh();
    },
    /** Starts an empty thread (stored with its first message). */
    async start() {
      setAddress(newId());
      options.onClear();
      await api.refresh();
    },
    /** Deletes a thread for good. @param {string} id */
    async remove(id) {
      await call(`/threads/${encodeURIComponent(id)}`, { method: 'DELETE' });
      if (fromAddress() === id) {
        setAddress(undefined);
        options.onClear();
      }
      await api.refresh();
    },
    /** After a reload: the thread in the address, if the gateway keeps threads. */
    async restore() {
      await api.refresh();
      const id = fromAddress();
      if (enabled && id !== undefined) await api.open(id);
    },
  };
  return api;
}
