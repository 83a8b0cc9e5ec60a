// @ts-check
/**
 * Renders the gateway's events into the transcript: model output always as text (never as
 * HTML), a collapsible block for thinking, and one card per tool call.
 */

/** @typedef {Record<string, unknown>} GatewayEvent */
/**
 * @typedef {object} RenderActions
 * @property {(event: GatewayEvent, approved: boolean, always: boolean) => Promise<string | undefined>} answerApproval
 * @property {(event: GatewayEvent, body: { result?: unknown, error?: unknown }) => Promise<string | undefined>} answerClientTool
 */

/** @param {unknown} value */
const str = (value) => (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));

/**
 * @param {string} tag
 * @param {{ className?: string, text?: string }} [options]
 * @returns {HTMLElement}
 */
function el(tag, options = {}) {
  const node = document.createElement(tag);
  if (options.className !== undefined) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  return node;
}

/**
 * @param {HTMLElement} transcript
 * @param {RenderActions} actions
 */
// eslint-disable-next-line max-lines-per-function -- 265 lines (every kind of transcript entry in one closure): to be split by concern
export function createRenderer(transcript, actions) {
  /** @type {HTMLElement | undefined} */
  let turn;
  /** @type {HTMLElement | undefined} */
  let text;
  /** @type {HTMLDetailsElement | undefined} */
  let thinking;
  /** @type {Map<string, HTMLElement>} */
  const cards = new Map();
  let answer = '';
  /**
   * What the current model attempt added (its text and thinking) and the answer before it: a
   * `stream_retry` discards them, as the protocol asks.
   * @type {HTMLElement[]}
   */
  let attemptNodes = [];
  let answerBeforeAttempt = '';
  const newAttempt = () => {
    attemptNodes = [];
    answerBeforeAttempt = answer;
  };

  const currentTurn = () => {
    if (turn === undefined) {
      turn = el('div', { className: 'turn assistant' });
      transcript.append(turn);
    }
    return turn;
  };
  /** @param {string} message @param {string} [className] */
  const notice = (message, className = 'muted') =>
    currentTurn().append(el('p', { className, text: message }));

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
      currentTurn().append(card);
      cards.set(id, card);
      text = undefined;
      if (thinking !== undefined) thinking.open = false;
    }
    return card;
  };

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
    /**
     * Empties the transcript and forgets its turns and cards: a conversation shown next (another
     * thread, or the same one read again) starts afresh instead of adding to cards no longer shown.
     */
    clear() {
      transcript.replaceChildren();
      cards.clear();
      turn = undefined;
      text = undefined;
      thinking = undefined;
      answer = '';
      newAttempt();
    },
    /** @param {string} message */
    userTurn(message) {
      transcript.append(el('div', { className: 'turn user', text: message }));
      turn = undefined;
      text = undefined;
      thinking = undefined;
      answer = '';
      newAttempt();
    },
    /** The assistant text of the current turn so far. */
    answer: () => answer,
    /** @param {string} message @param {string} [className] */
    notice,
    /** @param {GatewayEvent} event */
    handle(event) {
      switch (event.type) {
        case 'text_delta':
          if (thinking !== undefined) thinking.open = false;
          if (text === undefined) {
            text = el('div', { className: 'text' });
            currentTurn().append(text);
            attemptNodes.push(text);
          }
          text.textContent += str(event.text);
          answer += str(event.text);
          return;
        case 'thinking_delta':
          if (thinking === undefined) {
            thinking = /** @type {HTMLDetailsElement} */ (el('details', { className: 'thinking' }));
            thinking.open = true;
            thinking.append(el('summary', { text: 'Thinking' }), el('pre'));
            currentTurn().append(thinking);
            attemptNodes.push(thinking);
          }
          thinking.querySelector('pre')?.append(str(event.text));
          return;
        case 'tool_call_start':
          cardOf(event);
          if (event.execution_location === 'client') askClientTool(event);
          return;
        case 'tool_output_chunk': {
          const card = cardOf(event);
          let output = card.querySelector('pre.output');
          if (output === null) {
            output = el('pre', { className: 'output' });
            card.append(output);
          }
          output.append(str(event.text));
          return;
        }
        case 'tool_approval_request':
          askApproval(event);
          return;
        case 'tool_call_complete':
          complete(event);
          newAttempt();
          return;
        case 'stream_retry':
          for (const node of attemptNodes) node.remove();
          answer = answerBeforeAttempt;
          text = undefined;
          thinking = undefined;
          newAttempt();
          return;
        case 'max_turns_reached':
          notice(
            `Stopped after ${str(event.turn_count)} turns (maxTurns ${str(event.max_turns)}).`,
            'warning',
          );
          return;
        case 'budget_exceeded':
          notice(`Stopped: the cost budget of $${str(event.budget)} was reached.`, 'warning');
          return;
        case 'stream_complete': {
          const usage = /** @type {Record<string, unknown>} */ (event.usage ?? {});
          if (typeof usage.input_tokens === 'number') {
            notice(
              `${usage.input_tokens} input and ${str(usage.output_tokens)} output tokens, $${str(usage.estimated_cost)}`,
              'usage',
            );
          }
          return;
        }
        case 'interceptor_decision':
          notice(`${str(event.tool_name)}: ${str(event.message)} (${str(event.action)})`, 'warning');
          return;
        case 'stream_error':
          notice(`Stream error: ${str(event.error)}`, 'failure');
          return;
        case 'error':
          notice(
            event.code === undefined ? `Stopped (${str(event.error)}).` : `Error: ${str(event.error)}`,
            'failure',
          );
          return;
        default:
          return;
      }
    },
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
