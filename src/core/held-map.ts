/**
 * Where a long-lived collection keeps one value: emptied when the collection lets it go.
 *
 * Why not the value itself: V8 rebuilds a `Map`'s or `Set`'s table after deletions (every few
 * dozen deletions in a busy collection) and the old table, garbage by then, still points to
 * every value it held. Once such a table has moved to the old generation, the young-generation
 * collector counts everything it points to as alive, so each chat's objects held by the table
 * outlive their chat and are copied into the old generation (measured: 9 KB per chat, the
 * main cost of the gateway's collections). A cell emptied before its entry is deleted leaves
 * the stale table nothing but the empty cell; a cell is a class instance, never tenured early
 * the way an object literal's allocation site may be.
 */
class Cell<Value> {
  constructor(public value: Value | undefined) {}
}

/**
 * A `Map` for values that come and go by the thousand (a run per chat), with the `Map`'s
 * iteration order. Keys should be primitives (a stale table keeps its keys): an object key is
 * held as long as the value.
 */
export class HeldMap<Key, Value> {
  readonly #cells = new Map<Key, Cell<Value>>();

  get size(): number {
    return this.#cells.size;
  }

  get(key: Key): Value | undefined {
    return this.#cells.get(key)?.value;
  }

  has(key: Key): boolean {
    return this.#cells.has(key);
  }

  /** Sets `key`'s value; a key already present keeps its place in the order, as in a `Map`. */
  set(key: Key, value: Value): this {
    const cell = this.#cells.get(key);
    if (cell === undefined) this.#cells.set(key, new Cell(value));
    else cell.value = value;
    return this;
  }

  /** Adds `key`, which must not be there yet: `set` without its lookup. */
  insert(key: Key, value: Value): this {
    this.#cells.set(key, new Cell(value));
    return this;
  }

  /** Removes `key`; whether it was there. */
  delete(key: Key): boolean {
    const cell = this.#cells.get(key);
    if (cell === undefined) return false;
    cell.value = undefined;
    return this.#cells.delete(key);
  }

  /** Removes every entry. */
  clear(): void {
    for (const cell of this.#cells.values()) cell.value = undefined;
    this.#cells.clear();
  }

  /** The values in insertion order (safe to delete the current one while iterating). */
  *values(): IterableIterator<Value> {
    for (const cell of this.#cells.values()) if (cell.value !== undefined) yield cell.value;
  }
}

/**
 * A set of short-lived members (the calls or starts under way) for a long-lived owner: `add`
 * returns the member's ticket, which `delete` takes. See `HeldMap` for why not a `Set`.
 */
export class HeldSet<Member> {
  readonly #members = new HeldMap<number, Member>();
  #nextTicket = 0;

  get size(): number {
    return this.#members.size;
  }

  /** Adds `member`; returns its ticket. */
  add(member: Member): number {
    const ticket = this.#nextTicket;
    this.#nextTicket += 1;
    this.#members.insert(ticket, member);
    return ticket;
  }

  /** Removes the member of `ticket`; idempotent. */
  delete(ticket: number): void {
    this.#members.delete(ticket);
  }

  clear(): void {
    this.#members.clear();
  }

  values(): IterableIterator<Member> {
    return this.#members.values();
  }
}
