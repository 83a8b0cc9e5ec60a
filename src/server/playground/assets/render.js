// @ts-check
/**
 * Renders the gateway's events into the transcript: model output always as text (never as
 * HTML), a collapsible block for thinking, and one card per tool call (`tool-cards.js`).
 */
import { createToolCards } from './tool-cards.js';
import { createTranscriptView, el, str } from './transcript-view.js';

/** @typedef {import('./tool-cards.js').GatewayEvent} GatewayEvent */
/** @typedef {import('./tool-cards.js').RenderActions} RenderActions */
/** @typedef {import('./transcript-view.js').TranscriptView} TranscriptView */

/**
 * @param {HTMLElement} transcript
 * @param {RenderActions} actions
 */
export function createRenderer(transcript, actions) {
  const view = createTranscriptView(transcript);
  const cards = createToolCards(view, actions);
  return {
    /**
     * Empties the transcript and forgets its turns and cards: a conversation shown next (another
     * thread, or the same one read again) starts afresh instead of adding to cards no longer shown.
     */
    clear() {
      transcript.replaceChildren();
      cards.clear();
      view.endTurn();
    },
    /** @param {string} message */
    userTurn(message) {
      transcript.append(el('div', { className: 'turn user', text: message }));
      view.endTurn();
    },
    /** The assistant text of the current turn so far. */
    answer: () => view.answer,
    /** @param {string} message @param {string} [className] */
    notice: view.notice,
    /** @param {GatewayEvent} event */
    handle(event) {
      if (!writeModelOutput(view, event) && !writeToolEvent(view, cards, event)) writeNotice(view, event);
    },
  };
}

/**
 * The model's text and thinking, and a `stream_retry` taking back what its attempt added.
 * @param {TranscriptView} view @param {GatewayEvent} event
 * @returns {boolean} whether the event was one of these
 */
function writeModelOutput(view, event) {
  switch (event.type) {
    case 'text_delta':
      if (view.thinking !== undefined) view.thinking.open = false;
      if (view.text === undefined) {
        view.text = el('div', { className: 'text' });
        view.currentTurn().append(view.text);
        view.attemptNodes.push(view.text);
      }
      view.text.textContent += str(event.text);
      view.answer += str(event.text);
      return true;
    case 'thinking_delta':
      if (view.thinking === undefined) {
        view.thinking = /** @type {HTMLDetailsElement} */ (el('details', { className: 'thinking' }));
        view.thinking.open = true;
        view.thinking.append(el('summary', { text: 'Thinking' }), el('pre'));
        view.currentTurn().append(view.thinking);
        view.attemptNodes.push(view.thinking);
      }
      view.thinking.querySelector('pre')?.append(str(event.text));
      return true;
    case 'stream_retry':
      for (const node of view.attemptNodes) node.remove();
      view.answer = view.answerBeforeAttempt;
      view.text = undefined;
      view.thinking = undefined;
      view.newAttempt();
      return true;
    default:
      return false;
  }
}

/**
 * A tool call's start, output, question and end, on its card.
 * @param {TranscriptView} view
 * @param {ReturnType<typeof createToolCards>} cards
 * @param {GatewayEvent} event
 * @returns {boolean} whether the event was one of these
 */
function writeToolEvent(view, cards, event) {
  switch (event.type) {
    case 'tool_call_start':
      cards.cardOf(event);
      if (event.execution_location === 'client') cards.askClientTool(event);
      return true;
    case 'tool_output_chunk':
      cards.output(event);
      return true;
    case 'tool_approval_request':
      cards.askApproval(event);
      return true;
    case 'tool_call_complete':
      cards.complete(event);
      view.newAttempt();
      return true;
    default:
      return false;
  }
}

/**
 * Why the run stopped, what it cost, and the errors: a line in the turn. Other events show nothing.
 * @param {TranscriptView} view @param {GatewayEvent} event
 */
function writeNotice(view, event) {
  switch (event.type) {
    case 'max_turns_reached':
      view.notice(
        `Stopped after ${str(event.turn_count)} turns (maxTurns ${str(event.max_turns)}).`,
        'warning',
      );
      return;
    case 'budget_exceeded':
      view.notice(`Stopped: the cost budget of $${str(event.budget)} was reached.`, 'warning');
      return;
    case 'stream_complete': {
      const usage = /** @type {Record<string, unknown>} */ (event.usage ?? {});
      if (typeof usage.input_tokens === 'number') {
        view.notice(
          `${usage.input_tokens} input and ${str(usage.output_tokens)} output tokens, $${str(usage.estimated_cost)}`,
          'usage',
        );
      }
      return;
    }
    case 'interceptor_decision':
      view.notice(`${str(event.tool_name)}: ${str(event.message)} (${str(event.action)})`, 'warning');
      return;
    case 'stream_error':
      view.notice(`Stream error: ${str(event.error)}`, 'failure');
      return;
    case 'error':
      view.notice(
        event.code === undefined ? `Stopped (${str(event.error)}).` : `Error: ${str(event.error)}`,
        'failure',
      );
      return;
    default:
      return;
  }
}
