/** Sends text as progress: the text so far (characters) and the piece written since the last one. */
export type SendProgress = (text: string, written: number) => Promise<void>;

/** Text pushed as it is written, sent as one progress notification per turn of the event loop. */
export interface ProgressCoalescer {
  push(text: string): void;
  /** Sends what is pending now, and waits for the notifications sent so far. */
  flush(): Promise<void>;
}

/**
 * Coalesces a run's text deltas into progress notifications: the deltas that arrive within one
 * turn of the event loop (a burst from the model) become one notification, so a client sees the
 * same text in fewer, larger pieces, in order. A failed send is dropped (progress is advisory).
 */
export function createProgressCoalescer(send: SendProgress): ProgressCoalescer {
  let pending = '';
  let written = 0;
  let scheduled = false;
  let sent: Promise<void> = Promise.resolve();
  const sendPending = (): void => {
    scheduled = false;
    if (pending === '') return;
    const text = pending;
    pending = '';
    written += text.length;
    const total = written;
    sent = sent.then(() => send(text, total)).catch(() => undefined);
  };
  return {
    push(text) {
      if (text === '') return;
      pending += text;
      if (scheduled) return;
      scheduled = true;
      setImmediate(sendPending);
    },
    async flush() {
      sendPending();
      await sent;
    },
  };
}
