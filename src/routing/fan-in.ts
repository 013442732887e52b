import type { FanInEdgeDefinition } from '../model/types.js';

/** Per fan-in edge id, one FIFO of waiting messages per source, in source order. Part of the checkpoint. */
export type FanInBuffers = Readonly<Record<string, readonly (readonly unknown[])[]>>;

/** No message waits for this source. */
const NONE: unique symbol = Symbol('none');
/** This source's messages are still only in the stored buffer (read on first use). */
const UNREAD: unique symbol = Symbol('unread');

/** `first` after a batch completed with nothing behind it (made again on the next message). */
const EMPTY: unknown[] = [];

/**
 * A private, mutable copy of one edge's buffer while a superstep's messages are routed. Per source it keeps the
 * oldest waiting message in `first` and any later ones in `rest`, so the common case (each source sends one message
 * and the batch completes) allocates no array per source: the batch is `first` itself. A source's stored messages
 * are read the first time it is needed, so a wide fan-in copies nothing for sources that send nothing.
 */
export class FanInBatcher {
  /** Per source: its oldest waiting message, NONE, or UNREAD. */
  private first: unknown[];
  /** Per source: the messages after its first (created when a source has two waiting). */
  private rest: (unknown[] | undefined)[] | undefined;
  /** Sources with at least one waiting message. */
  private filled = 0;

  constructor(
    private readonly edge: FanInEdgeDefinition,
    private readonly stored: readonly (readonly unknown[])[] | undefined,
  ) {
    const count = edge.sources.length;
    this.first = new Array<unknown>(count).fill(stored === undefined ? NONE : UNREAD);
    if (stored !== undefined) for (const queue of stored) if (queue.length > 0) this.filled++;
  }

  /** Buffers one message and returns the batch it completes (one message per source, in source order), if any. */
  add(sourceIndex: number, message: unknown): unknown[] | undefined {
    if (this.first === EMPTY) this.emptied(this.edge.sources.length);
    if (this.first[sourceIndex] === UNREAD) this.read(sourceIndex);
    if (this.first[sourceIndex] === NONE) {
      this.first[sourceIndex] = message;
      this.filled++;
    } else {
      const rest = (this.rest ??= new Array<unknown[] | undefined>(this.first.length).fill(undefined));
      (rest[sourceIndex] ??= []).push(message);
    }
    const count = this.first.length;
    if (this.filled < count) return undefined;
    for (let i = 0; i < count; i++) if (this.first[i] === UNREAD) this.read(i); // messages stored in an earlier superstep
    const batch = this.first;
    // Mostly nothing waits behind the batch: the next array is made by the next message, if one comes.
    this.first = EMPTY;
    this.filled = 0;
    const rest = this.rest;
    if (rest !== undefined)
      for (let i = 0; i < count; i++) {
        const later = rest[i];
        if (later === undefined || later.length === 0) continue;
        this.emptied(count)[i] = later.shift();
        this.filled++;
      }
    return batch;
  }

  /** `first` with no message waiting, made now if a completed batch left it empty. */
  private emptied(count: number): unknown[] {
    if (this.first === EMPTY) this.first = new Array<unknown>(count).fill(NONE);
    return this.first;
  }

  /** Takes source `index`'s stored messages into `first` and `rest`. */
  private read(index: number): void {
    const queue = (this.stored as readonly (readonly unknown[])[])[index] ?? [];
    if (queue.length === 0) {
      this.first[index] = NONE;
      return;
    }
    this.first[index] = queue[0];
    if (queue.length > 1) (this.rest ??= new Array<unknown[] | undefined>(this.first.length).fill(undefined))[index] = queue.slice(1);
  }

  /** The buffer to store, or undefined when nothing waits. */
  snapshot(): readonly (readonly unknown[])[] | undefined {
    if (this.filled === 0) return undefined;
    return this.first.map((message, index): readonly unknown[] => {
      if (message === UNREAD) return (this.stored as readonly (readonly unknown[])[])[index] ?? [];
      if (message === NONE) return [];
      const later = this.rest?.[index];
      return later === undefined || later.length === 0 ? [message] : [message, ...later];
    });
  }

  get id(): string {
    return this.edge.id;
  }
}
