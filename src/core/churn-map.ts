import { GatewayError, GatewayErrorCode } from './errors.js';

/**
 * The keys a `ChurnMap` takes: primitives only. A `Map`'s stale table keeps its keys as well as
 * its values, and a cell can empty only the value: an object key would stay alive as long as the
 * table, which is what the map exists to prevent.
 */
export type ChurnKey = string | number | bigint | symbol;

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
 * The value of a cell still in the table. Invariant: a cell is emptied in the same synchronous
 * step that removes it from the table, so a cell reached through the table is never empty.
 */
function valueOf<Value>(cell: Cell<Value>): Value {
  return cell.value as Value;
}

/**
 * A `Map` for an app-lifetime collection whose values come and go by the thousand (a run per
 * chat): the `Map` API and iteration order, over cells emptied before their entry is deleted.
 *
 * Keys are primitives (`ChurnKey`); `insert` is `set` for a key that must be new, and throws
 * when it is not. Lint (`gateway/churn-collections`, eslint.collections.js) asks for one where a
 * factory or a class keeps a plain `Map` of objects.
 */
export class ChurnMap<Key extends ChurnKey, Value> {
  readonly #cells = new Map<Key, Cell<Value>>();

  readonly [Symbol.toStringTag] = 'ChurnMap';

  get size(): number {
    return this.#cells.size;
  }

  get(key: Key): Value | undefined {
    const cell = this.#cells.get(key);
    return cell === undefined ? undefined : valueOf(cell);
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

  /**
   * Adds `key`, which must not be there yet. A key already there is a bug of the caller (two
   * owners of one entry): it throws `internal_error` instead of replacing the other's value.
   */
  insert(key: Key, value: Value): this {
    if (this.#cells.has(key)) {
      throw new GatewayError(
        GatewayErrorCode.Internal,
        `ChurnMap.insert: the key ${String(key)} is already there`,
      );
    }
    this.#cells.set(key, new Cell(value));
    return this;
  }

  /** Removes `key`, emptying its cell first; whether it was there. */
  delete(key: Key): boolean {
    const cell = this.#cells.get(key);
    if (cell === undefined) return false;
    cell.value = undefined;
    return this.#cells.delete(key);
  }

  /** Removes `key` and returns its value (undefined when it was not there), in two lookups, not three. */
  take(key: Key): Value | undefined {
    const cell = this.#cells.get(key);
    if (cell === undefined) return undefined;
    const value = cell.value;
    cell.value = undefined;
    this.#cells.delete(key);
    return value;
  }

  /** Removes every entry, emptying every cell first. */
  clear(): void {
    for (const cell of this.#cells.values()) cell.value = undefined;
    this.#cells.clear();
  }

  /** Calls `callback` for each entry in order, as `Map.prototype.forEach` does. */
  forEach(callback: (value: Value, key: Key, map: this) => void, thisArgument?: unknown): void {
    for (const [key, cell] of this.#cells) callback.call(thisArgument, valueOf(cell), key, this);
  }

  /** The keys in insertion order. */
  keys(): IterableIterator<Key> {
    return this.#cells.keys();
  }

  /** The values in insertion order (safe to delete the current one while iterating). */
  *values(): IterableIterator<Value> {
    for (const cell of this.#cells.values()) yield valueOf(cell);
  }

  /** The `[key, value]` pairs in insertion order (safe to delete the current one while iterating). */
  *entries(): IterableIterator<[Key, Value]> {
    for (const [key, cell] of this.#cells) yield [key, valueOf(cell)];
  }

  [Symbol.iterator](): IterableIterator<[Key, Value]> {
    return this.entries();
  }
}

/**
 * A set of short-lived members (the calls or starts under way) for a long-lived owner: `add`
 * returns the member's ticket, which `delete` takes, so that members may be objects while the
 * keys stay primitives. See `ChurnMap` for why not a `Set`.
 */
export class ChurnSet<Member> {
  readonly #members = new ChurnMap<number, Member>();
  #nextTicket = 0;

  readonly [Symbol.toStringTag] = 'ChurnSet';

  get size(): number {
    return this.#members.size;
  }

  /** Adds `member` (again, if it is there already: each add is its own entry); returns its ticket. */
  add(member: Member): number {
    const ticket = this.#nextTicket;
    this.#nextTicket += 1;
    this.#members.insert(ticket, member);
    return ticket;
  }

  /** Whether the member of `ticket` is still there. */
  has(ticket: number): boolean {
    return this.#members.has(ticket);
  }

  /** Removes the member of `ticket`; whether it was there (idempotent). */
  delete(ticket: number): boolean {
    return this.#members.delete(ticket);
  }

  /** Removes every member. */
  clear(): void {
    this.#members.clear();
  }

  /** Calls `callback` for each member in the order they were added. */
  forEach(callback: (member: Member, ticket: number) => void): void {
    this.#members.forEach((member, ticket) => callback(member, ticket));
  }

  /** The members in the order they were added (safe to delete the current one while iterating). */
  values(): IterableIterator<Member> {
    return this.#members.values();
  }

  [Symbol.iterator](): IterableIterator<Member> {
    return this.values();
  }
}
