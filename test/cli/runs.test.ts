// `weft runs list|show|events` and `weft graph`, reading what `weft run` recorded in a SQLite file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, jsonLines, record, start, tempDir, weft } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());
const db = dir.file('runs.db');
const workflows = fixture('workflows.ts');
const ids: Record<string, string> = {};

beforeAll(async () => {
  // Sequential: createdAt orders the list.
  for (const [name, input] of [
    ['doubler', '{"n":1}'],
    ['failing', '1'],
    ['doubler', '{"n":2}'],
  ] as const) {
    const finished = await weft(['run', `${workflows}#${name}`, '--input', input, '--db', db]);
    ids[`${name}-${input}`] = record(finished).id;
  }
}, 60_000);

describe('weft runs', () => {
  it('lists runs newest first as JSON lines when stdout is not a terminal', async () => {
    const finished = await weft(['runs', 'list', '--db', db]);
    expect(finished.code).toBe(0);
    const runs = jsonLines<{ id: string; workflow: string; status: string }>(finished.stdout);
    expect(runs.map((r) => r.id)).toEqual([ids['doubler-{"n":2}'], ids['failing-1'], ids['doubler-{"n":1}']]);
    expect(runs.map((r) => r.status)).toEqual(['completed', 'failed', 'completed']);
  });

  it('filters by workflow and status, and pages with --limit and --cursor', async () => {
    const doublers = jsonLines<{ id: string }>((await weft(['runs', 'list', '--db', db, '--workflow', 'doubler'])).stdout);
    expect(doublers.map((r) => r.id)).toEqual([ids['doubler-{"n":2}'], ids['doubler-{"n":1}']]);
    const failed = jsonLines<{ id: string }>((await weft(['runs', 'list', '--db', db, '--status', 'failed'])).stdout);
    expect(failed.map((r) => r.id)).toEqual([ids['failing-1']]);

    const first = await weft(['runs', 'list', '--db', db, '--limit', '2']);
    expect(jsonLines(first.stdout)).toHaveLength(2);
    const cursor = /--cursor (\S+)/.exec(first.stderr)?.[1];
    expect(cursor).toBeDefined();
    const second = await weft(['runs', 'list', '--db', db, '--limit', '2', '--cursor', cursor!]);
    expect(jsonLines<{ id: string }>(second.stdout).map((r) => r.id)).toEqual([ids['doubler-{"n":1}']]);
    expect(second.stderr).toBe('');

    const bad = await weft(['runs', 'list', '--db', db, '--status', 'done']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--status must be one of running, waiting, completed, failed, cancelled; got "done"');
  });

  it('shows one run as JSON, and exits 1 for an unknown one', async () => {
    const shown = await weft(['runs', 'show', ids['doubler-{"n":1}']!, '--db', db]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      id: ids['doubler-{"n":1}'],
      workflow: 'doubler',
      status: 'completed',
      input: { n: 1 },
      outputs: [2],
    });
    const unknown = await weft(['runs', 'show', 'no-such-run', '--db', db]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`no run "no-such-run" in ${db}`);
  });

  it('prints the stored events as JSON lines', async () => {
    const finished = await weft(['runs', 'events', ids['failing-1']!, '--db', db]);
    expect(finished.code).toBe(0);
    const events = jsonLines<{ seq: number; type: string }>(finished.stdout);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(events[0]!.type).toBe('run.started');
    expect(events.at(-1)).toMatchObject({ type: 'run.failed', error: { code: 'executor_failed' } });
  });

  it('follows a waiting run from another process until it ends', async () => {
    const waiting = await weft(['run', `${workflows}#approval`, '--input', '{"amount":3}', '--db', db]);
    const run = record(waiting);
    const follower = start(['runs', 'events', run.id, '--follow', '--db', db]);
    await follower.waitFor('"type":"run.waiting"', 'stdout');
    const answered = await weft(['runs', 'resume', run.id, workflows, '--db', db, '--respond', `${run.pendingRequests[0]!.id}={"approved":false}`]);
    expect(answered.code).toBe(0);
    const followed = await follower.done;
    expect(followed.code).toBe(0);
    const types = jsonLines<{ type: string }>(followed.stdout).map((e) => e.type);
    expect(types.filter((t) => t === 'run.started' || t === 'run.resumed')).toEqual(['run.started', 'run.resumed']);
    expect(types).toContain('request.answered');
    expect(types.at(-1)).toBe('run.completed');
  });

  it('refuses to read a database that is not there (instead of creating an empty one)', async () => {
    const missing = dir.file('missing.db');
    const finished = await weft(['runs', 'list', '--db', missing]);
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain(`No weft database at "${missing}"`);
  });
});

describe('weft graph', () => {
  it('prints the Mermaid flowchart, or describe() with --json', async () => {
    const mermaid = await weft(['graph', `${workflows}#counter`]);
    expect(mermaid.code).toBe(0);
    expect(mermaid.stdout).toMatch(/^flowchart TD\n/);
    expect(mermaid.stdout).toContain('"tick"');
    const described = await weft(['graph', `${workflows}#counter`, '--json']);
    expect(described.code).toBe(0);
    expect(JSON.parse(described.stdout)).toMatchObject({ name: 'counter', start: 'tick', executors: [{ id: 'tick' }] });
    const triage = await weft(['graph', 'examples/triage.ts']);
    expect(triage.code).toBe(0);
    expect(triage.stdout).toContain('fan-in');
    expect(triage.stdout).not.toContain('Triaging'); // importing the example does not run it
  });
});
