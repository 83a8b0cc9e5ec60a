// @ts-check
/**
 * The transcript's current assistant turn: where its text and thinking go, the answer so far,
 * and what the current model attempt added (a `stream_retry` takes that back).
 */

/** @param {unknown} value */
export const str = (value) =>
  typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);

/**
 * @param {string} tag
 * @param {{ className?: string, text?: string }} [options]
 * @returns {HTMLElement}
 */
export function el(tag, options = {}) {
  const node = document.createElement(tag);
  if (options.className !== undefined) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  return node;
}

/**
 * @typedef {object} TranscriptView
 * @property {HTMLElement} transcript the element every turn is appended to
 * @property {HTMLElement | undefined} turn the assistant turn being written
 * @property {HTMLElement | undefined} text the turn's text block being written
 * @property {HTMLDetailsElement | undefined} thinking the turn's thinking block being written
 * @property {string} answer the assistant text of the current turn so far
 * @property {HTMLElement[]} attemptNodes what the current model attempt added (its text and thinking)
 * @property {string} answerBeforeAttempt the answer before the current model attempt
 * @property {() => HTMLElement} currentTurn the assistant turn, started when there is none
 * @property {(message: string, className?: string) => void} notice a line in the current turn
 * @property {() => void} newAttempt a new model attempt starts from what is shown now
 * @property {() => void} endTurn forgets the turn: what comes next starts a new one
 */

/**
 * A view of the transcript's turn being written.
 * @param {HTMLElement} transcript
 * @returns {TranscriptView}
 */
export function createTranscriptView(transcript) {
  /** @type {TranscriptView} */
  const view = {
    transcript,
    turn: undefined,
    text: undefined,
    thinking: undefined,
    answer: '',
    attemptNodes: [],
    answerBeforeAttempt: '',
    currentTurn() {
      if (view.turn === undefined) {
        view.turn = el('div', { className: 'turn assistant' });
        transcript.append(view.turn);
      }
      return view.turn;
    },
    notice(message, className = 'muted') {
      view.currentTurn().append(el('p', { className, text: message }));
    },
    newAttempt() {
      view.attemptNodes = [];
      view.answerBeforeAttempt = view.answer;
    },
    endTurn() {
      view.turn = undefined;
      view.text = undefined;
      view.thinking = undefined;
      view.answer = '';
      view.newAttempt();
    },
  };
  return view;
}
