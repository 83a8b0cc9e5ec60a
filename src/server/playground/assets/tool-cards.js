// @ts-check
/**
 * One card per tool call in the transcript: its input, its streamed output, the approval or
 * client-tool answer it waits for, and its result.
 */
import { el, str } from './transcript-view.js';

/** @typedef {Record<string, unknown>} GatewayEvent */
/**
 * @typedef {object} RenderActions
 * @property {(event: GatewayEvent, approved: boolean, always: boolean) => Promise<string | undefined>} answerApproval
 * @property {(event: GatewayEvent, body: { result?: unknown, error?: unknown }) => Promise<string | undefined>} answerClientTool
 */

/**
 * What the card's call is doing now, after its tool's name ("running", "waiting for your
 * approval"...).
 * @param {HTMLElement} card @param {string} state
 */
const setStatus = (card, state) => {
  const status = card.querySelector('.status');
  if (status !== null) status.textContent = ` ${state}`;
};

/**
 * @param {HTMLElement} card
 * @param {string} label
 * @param {() => Promise<string | undefined>} action
 * @param {string} [after] the card's status once the answer was taken
 */
const button = (card, label, action, after) => {
  const node = /** @type {HTMLButtonElement} */ (el('button', { text: label }));
  node.type = 'button';
  node.addEventListener('click', () => {
    for (const other of card.querySelectorAll('button')) other.disabled = true;
    void action().then((failure) => {
      if (failure !== undefined) card.append(el('p', { className: 'error', text: failure }));
      // Unless the call already ended (its result may arrive before this answer's response).
      else if (after !== undefined && card.querySelector('.approval') !== null) setStatus(card, after);
    });
  });
  return node;
};

/**
 * The tool cards of a transcript.
 * @param {import('./transcript-view.js').TranscriptView} view
 * @param {RenderActions} actions
 */
export function createToolCards(view, actions) {
  /** @type {Map<string, HTMLElement>} */
  const cards = new Map();

  /** @param {GatewayEvent} event */
  const cardOf = (event) => {
    const id = str(event.tool_call_id);
    let card = cards.get(id);
    if (card === undefined) {
      card = el('div', { className: 'card' });
      card.dataset.toolCallId = id;
      card.append(
        el('strong', { text: str(event.tool_name) }),
        el('span', { className: 'muted status', text: ' running' }),
      );
      card.append(el('pre', { className: 'input', text: JSON.stringify(event.tool_input ?? {}, null, 2) }));
      view.currentTurn().append(card);
      cards.set(id, card);
      view.text = undefined;
      if (view.thinking !== undefined) view.thinking.open = false;
    }
    return card;
  };

  /** @param {GatewayEvent} event */
  const askApproval = (event) => {
    const card = cardOf(event);
    // Nothing runs until someone answers: the card says so rather than "running".
    setStatus(card, 'waiting for your approval');
    const box = el('div', { className: 'approval' });
    if (event.sandboxed === false) {
      box.append(
        el('p', {
          className: 'warning',
          text: 'This call would run unsandboxed, as a real user of the host.',
        }),
      );
    }
    const countdown = el('span', { className: 'muted countdown' });
    const expiresAt = Number(event.expires_at) * 1000;
    const tick = () => {
      const left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
      countdown.textContent = ` expires in ${left}s`;
      if (left === 0 || !box.isConnected) clearInterval(timer);
    };
    const timer = setInterval(tick, 1000);
    tick();
    box.append(
      button(card, 'Approve', () => actions.answerApproval(event, true, false), 'approved, running'),
      button(card, 'Deny', () => actions.answerApproval(event, false, false), 'denied'),
      button(card, 'Always allow', () => actions.answerApproval(event, true, true), 'approved, running'),
      countdown,
    );
    card.append(box);
  };

  /** @param {GatewayEvent} event */
  const askClientTool = (event) => {
    const card = cardOf(event);
    setStatus(card, 'waiting for your answer');
    const form = /** @type {HTMLFormElement} */ (el('form', { className: 'client-tool' }));
    const input = /** @type {HTMLTextAreaElement} */ (el('textarea'));
    input.rows = 3;
    input.placeholder = '{"result": "..."} as JSON';
    input.setAttribute('aria-label', 'Client tool result');
    /** @param {boolean} asError */
    const submit = (asError) => () => {
      let value;
      try {
        value = /** @type {unknown} */ (JSON.parse(input.value === '' ? '{}' : input.value));
      } catch {
        value = { value: input.value };
      }
      return actions.answerClientTool(event, asError ? { error: value } : { result: value });
    };
    form.append(
      el('p', { className: 'muted', text: 'This tool runs in your browser: answer it here.' }),
      input,
      button(card, 'Send result', submit(false)),
      button(card, 'Send error', submit(true)),
    );
    card.append(form);
  };

  /** @param {GatewayEvent} event */
  const output = (event) => {
    const card = cardOf(event);
    let block = card.querySelector('pre.output');
    if (block === null) {
      block = el('pre', { className: 'output' });
      card.append(block);
    }
    block.append(str(event.text));
  };

  /** @param {GatewayEvent} event */
  const complete = (event) => {
    const card = cardOf(event);
    card.querySelector('.approval')?.remove();
    card.querySelector('.client-tool')?.remove();
    const status = card.querySelector('.status');
    const server = typeof event.server === 'string' ? ` via ${event.server}` : '';
    // A call read back from a stored thread has no duration.
    const duration = event.duration_ms === undefined ? '' : ` in ${str(event.duration_ms)} ms`;
    if (status !== null)
      status.textContent = ` ${event.error === null ? 'done' : 'failed'}${duration}${server}`;
    if (event.error !== null)
      card.append(el('pre', { className: 'error', text: JSON.stringify(event.error, null, 2) }));
    else
      card.append(el('pre', { className: 'result', text: JSON.stringify(event.result, shortenImages, 2) }));
    for (const image of imagesOf(event.result)) {
      const img = /** @type {HTMLImageElement} */ (el('img', { className: 'result' }));
      img.src = image;
      img.alt = 'image returned by the tool';
      card.append(img);
    }
  };

  return {
    cardOf,
    askApproval,
    askClientTool,
    output,
    complete,
    /** Forgets every card (the transcript was emptied). */
    clear: () => cards.clear(),
  };
}

/**
 * A `JSON.stringify` replacer that shows an image's base64 payload by its size (the image itself
 * is shown below the result).
 * @param {string} key
 * @param {unknown} value
 */
function shortenImages(key, value) {
  return key === 'data_base64' && typeof value === 'string' ? `(${value.length} base64 characters)` : value;
}

/**
 * Data URLs of the images in a tool result (code execution returns `images: [{ filename,
 * media_type, data_base64 }]`); anything else is not an image.
 * @param {unknown} result
 * @returns {string[]}
 */
function imagesOf(result) {
  if (typeof result !== 'object' || result === null) return [];
  const images = /** @type {Record<string, unknown>} */ (result).images;
  if (!Array.isArray(images)) return [];
  return images.flatMap((image) => {
    if (typeof image !== 'object' || image === null) return [];
    const { media_type: type, data_base64: data } = /** @type {Record<string, unknown>} */ (image);
    return typeof type === 'string' && /^image\/(png|jpeg|gif|webp)$/.test(type) && typeof data === 'string'
      ? [`data:${type};base64,${data}`]
      : [];
  });
}
