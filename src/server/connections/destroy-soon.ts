/** Something that closes a connection at once (a Node response or socket). */
export interface Destroyable {
  destroy(): void;
}

/** Connections waiting to be closed, oldest first, and the index of the next one. */
let queue: Destroyable[] = [];
let next = 0;
let scheduled = false;

const destroyNext = (): void => {
  const target = queue[next];
  next += 1;
  if (next >= queue.length) {
    queue = [];
    next = 0;
    scheduled = false;
  } else {
    setImmediate(destroyNext);
  }
  target?.destroy();
};

/**
 * Closes `target` in a later turn of the event loop, one connection per turn. Closing a
 * connection that still holds megabytes for a client that stopped reading is not free (Node
 * fails each buffered write with an error of its own); when many slow clients are dropped at
 * once, closing them one per turn lets requests that arrived meanwhile (a health check) be
 * answered between two of them instead of after all of them.
 */
export function destroySoon(target: Destroyable): void {
  queue.push(target);
  if (scheduled) return;
  scheduled = true;
  setImmediate(destroyNext);
}
