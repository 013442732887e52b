import type { FanInEdgeDefinition } from '../model/types.js';

/** Per fan-in edge id, one FIFO of waiting messages per source, in source order. Part of the checkpoint. */
export type FanInBuffers = Readonly<Record<string, readonly (readonly unknown[])[]>>;

/**
 * A private, mutable copy of one edge's buffer while a superstep's messages are routed. A source's queue is copied
 * from the stored buffer the first time a message arrives for it, so a wide fan-in allocates nothing for sources
 * that send nothing.
 */
export class FanInBatcher {
  /** Per source: its queue once copied (or created); undefined while it is still the stored one. */
  private readonly queues: (unknown[] | undefined)[];
  /** Sources whose queue holds at least one message. */
  private filled = 0;

  constructor(
    private readonly edge: FanInEdgeDefinition,
    private readonly stored: readonly (readonly unknown[])[] | undefined,
  ) {
    const count = edge.sources.length;
    this.queues = new Array<unknown[] | undefined>(count).fill(undefined);
    if (stored !== undefined) for (const queue of stored) if (queue.length > 0) this.filled++;
  }

  /** Buffers one message and returns the batch it completes (one message per source, in source order), if any. */
  add(sourceIndex: number, message: unknown): unknown[] | undefined {
    let queue = this.queues[sourceIndex];
    if (queue === undefined) {
      const stored = this.stored?.[sourceIndex];
      // Mostly nothing waits for this source: one array, not an empty one and its copy.
      this.queues[sourceIndex] = queue = stored === undefined || stored.length === 0 ? [message] : [...stored, message];
      if (queue.length === 1) this.filled++;
    } else if (queue.push(message) === 1) this.filled++;
    const count = this.queues.length;
    if (this.filled < count) return undefined;
    const batch = new Array<unknown>(count);
    let filled = 0;
    for (let i = 0; i < count; i++) {
      let q = this.queues[i];
      if (q === undefined) this.queues[i] = q = [...(this.stored?.[i] ?? [])]; // a message stored in an earlier superstep
      batch[i] = q.shift();
      if (q.length > 0) filled++;
    }
    this.filled = filled;
    return batch;
  }

  /** The buffer to store, or undefined when nothing waits. */
  snapshot(): readonly (readonly unknown[])[] | undefined {
    if (this.filled === 0) return undefined;
    return this.queues.map((queue, index) => queue ?? this.stored?.[index] ?? []);
  }

  get id(): string {
    return this.edge.id;
  }
}
