import type { FanInEdgeDefinition } from '../model/types.js';

/** Per fan-in edge id, one FIFO of waiting messages per source, in source order. Part of the checkpoint. */
export type FanInBuffers = Readonly<Record<string, readonly (readonly unknown[])[]>>;

/** A private, mutable copy of one edge's buffer while a superstep's messages are routed. */
export class FanInBatcher {
  private readonly queues: unknown[][];
  private filled: number;

  constructor(
    private readonly edge: FanInEdgeDefinition,
    stored: readonly (readonly unknown[])[] | undefined,
  ) {
    this.queues = edge.sources.map((_, index) => [...(stored?.[index] ?? [])]);
    this.filled = this.queues.filter((q) => q.length > 0).length;
  }

  /** Buffers one message and returns the batch it completes (one message per source, in source order), if any. */
  add(sourceIndex: number, message: unknown): unknown[] | undefined {
    const queue = this.queues[sourceIndex] as unknown[];
    if (queue.push(message) === 1) this.filled++;
    if (this.filled < this.queues.length) return undefined;
    const batch = this.queues.map((q) => q.shift());
    this.filled = this.queues.filter((q) => q.length > 0).length;
    return batch;
  }

  /** The buffer to store, or undefined when nothing waits. */
  snapshot(): readonly (readonly unknown[])[] | undefined {
    return this.filled === 0 && this.queues.every((q) => q.length === 0) ? undefined : this.queues;
  }

  get id(): string {
    return this.edge.id;
  }
}
