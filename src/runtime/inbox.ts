import { RequestError } from '../errors.js';
import { findNonJson } from '../internal/plain-json.js';
import { formatIssues, validateWith } from '../internal/schema.js';
import type { AnyExecutor, PendingRequest, Schema, WorkflowDefinition } from '../model/types.js';
import type { Delivery } from '../routing/router.js';

const RESPONSE_SOURCE = '(response)';

/**
 * A run's requests: the ones waiting for an answer, their response schemas, and the answers given since the last
 * superstep boundary, which the driver moves into the queue there.
 */
export class RequestInbox {
  /** Requests asked and not yet answered. */
  private readonly pending = new Map<string, PendingRequest>();
  /** Answers given since the last boundary, in the order given. */
  answers: Delivery[] = [];
  private wake: (() => void) | undefined;

  constructor(
    private readonly runId: string,
    private readonly definition: WorkflowDefinition,
    /** The path of the workflow this run executes (non-empty for a nested run). */
    private readonly path: readonly string[],
    /** Answers must be plain JSON (a checkpoint keeps them). */
    private readonly plainJson: boolean,
    /**
     * Per-request response schemas (`ctx.request(…, { response })`), shared by every run of the workflow in this
     * process, so that an answer given to a resumed run is checked as `respond()` checks it.
     */
    readonly responseSchemas: Map<string, Schema> = new Map(),
  ) {}

  /** Requests waiting for an answer right now. */
  get waiting(): readonly PendingRequest[] {
    return [...this.pending.values()];
  }

  /** Adds requests that now wait for an answer. */
  add(requests: readonly PendingRequest[]): void {
    for (const request of requests) this.pending.set(request.id, request);
  }

  /** Checks every answer first and accepts them only if all pass, so a refused batch changes nothing. */
  async acceptAll(responses: Readonly<Record<string, unknown>>): Promise<void> {
    const checked: Delivery[] = [];
    for (const [id, value] of Object.entries(responses)) checked.push(await this.check(id, value));
    for (const delivery of checked) this.accept(delivery);
  }

  /** The delivery an answer becomes, or a RequestError; changes nothing. */
  async check(requestId: string, value: unknown): Promise<Delivery> {
    const request = this.pending.get(requestId);
    if (request === undefined) {
      const waiting = [...this.pending.keys()];
      throw new RequestError(
        waiting.length === 0 ? 'nothing_pending' : 'unknown_request',
        waiting.length === 0
          ? `Run "${this.runId}" has no pending request, so there is nothing to answer with "${requestId}".`
          : `Run "${this.runId}" has no pending request "${requestId}". Pending: ${waiting.map((id) => `"${id}"`).join(', ')}.`,
        { runId: this.runId, requestId },
      );
    }
    const bad = this.plainJson ? findNonJson(value, undefined, 'answer') : undefined;
    if (bad !== undefined) {
      throw new RequestError(
        'invalid_response',
        `The answer to request "${requestId}" holds ${bad.found} at "${bad.path}", which is not plain JSON, so no checkpoint could keep it. Answer with plain data.`,
        {
          runId: this.runId,
          executorId: request.executorId,
          requestId,
        },
      );
    }
    const schema = this.schemaFor(request);
    if (schema !== undefined) {
      const checked = validateWith(schema, value);
      const outcome = checked instanceof Promise ? await checked : checked;
      if (!outcome.ok) {
        throw new RequestError(
          'invalid_response',
          `The answer to request "${requestId}" of "${request.executorId}" does not match its response schema: ${formatIssues(outcome.issues)}.`,
          {
            runId: this.runId,
            executorId: request.executorId,
            requestId,
            issues: outcome.issues,
          },
        );
      }
    }
    // The queue (and so the checkpoint) keeps the answer as given, plain data; it is parsed again at delivery.
    return { source: RESPONSE_SOURCE, target: request.executorId, payload: value, request };
  }

  /** Queues a checked answer for the next boundary and wakes a run waiting for answers. */
  accept(delivery: Delivery): void {
    const id = (delivery.request as PendingRequest).id;
    if (!this.pending.delete(id)) return; // answered concurrently while validating
    this.answers.push(delivery);
    this.wake?.();
  }

  /** Takes the answers given since the last boundary. */
  take(): Delivery[] {
    const answers = this.answers;
    this.answers = [];
    return answers;
  }

  /** Resolves when an answer arrives or `wakeUp` is called (on cancel). */
  waitForAnswer(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve)).finally(() => (this.wake = undefined));
  }

  wakeUp(): void {
    this.wake?.();
  }

  /** The request's own response schema, else the static one of the executor at its path. */
  schemaFor(request: PendingRequest): Schema | undefined {
    return this.responseSchemas.get(request.id) ?? this.responseSchemaAt(request.path);
  }

  /** The static response schema of the executor at `path`, walking into nested workflows. */
  private responseSchemaAt(path: readonly string[]): Schema | undefined {
    let definition: WorkflowDefinition | undefined = this.definition;
    const relative = path.slice(this.path.length);
    for (let i = 0; i < relative.length && definition !== undefined; i++) {
      const executor: AnyExecutor | undefined = definition.executors.find((e) => e.id === relative[i]);
      if (i === relative.length - 1) return executor?.response;
      definition = executor?.workflow;
    }
    return undefined;
  }
}
