// @ts-check
/**
 * The answer controls of one inbox item, by its kind: Approve and Deny (with a reason) for a
 * `tool_approval`; a Result (JSON) field and Send result for a `client_tool_result`. Each hands
 * the body of `POST /approvals/:approval_id/answer` to `send`, which resolves once it is done.
 */

/** @typedef {(body: Record<string, unknown>) => Promise<void>} Send */

/** @param {string} text @param {string} className */
function button(text, className) {
  const made = document.createElement('button');
  made.type = 'button';
  made.className = className;
  made.textContent = text;
  return made;
}

/** Disables `buttons` while `work` runs. @param {HTMLButtonElement[]} buttons @param {() => Promise<void>} work */
function whileBusy(buttons, work) {
  for (const each of buttons) each.disabled = true;
  void work().finally(() => {
    for (const each of buttons) each.disabled = false;
  });
}

/** Approve, and Deny with a reason. @param {Send} send */
function approvalActions(send) {
  const approve = button('Approve', 'approve');
  const reasonLabel = document.createElement('label');
  reasonLabel.textContent = 'Reason ';
  const reason = document.createElement('input');
  reason.type = 'text';
  reason.className = 'reason';
  reason.maxLength = 2000;
  reasonLabel.append(reason);
  const deny = button('Deny', 'deny');
  approve.addEventListener('click', () => whileBusy([approve, deny], () => send({ approved: true })));
  deny.addEventListener('click', () => {
    const given = reason.value.trim();
    whileBusy([approve, deny], () =>
      send(given === '' ? { approved: false } : { approved: false, reason: given }),
    );
  });
  // Enter in the reason field denies: the reason is only given with a denial.
  reason.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') deny.click();
  });
  return [approve, reasonLabel, deny];
}

/**
 * A client-side tool's result, typed as a JSON object.
 * @param {Send} send
 * @param {(message: string) => void} showError
 */
function resultActions(send, showError) {
  const label = document.createElement('label');
  label.textContent = 'Result (JSON) ';
  const field = document.createElement('textarea');
  field.className = 'result';
  field.rows = 4;
  field.spellcheck = false;
  field.value = '{}';
  label.append(field);
  const sendResult = button('Send result', 'send-result');
  sendResult.addEventListener('click', () => {
    /** @type {unknown} */
    let result;
    try {
      result = JSON.parse(field.value);
    } catch (error) {
      showError(`The result is not JSON: ${String(error)}`);
      field.focus();
      return;
    }
    if (typeof result !== 'object' || result === null || Array.isArray(result)) {
      showError('The result must be a JSON object, e.g. {"text": "..."}');
      field.focus();
      return;
    }
    whileBusy([sendResult], () => send({ result }));
  });
  return [label, sendResult];
}

/**
 * The controls of an item of `kind`.
 * @param {string | undefined} kind
 * @param {Send} send
 * @param {(message: string) => void} showError
 * @returns {HTMLElement[]}
 */
export function answerControlsOf(kind, send, showError) {
  return kind === 'client_tool_result' ? resultActions(send, showError) : approvalActions(send);
}
