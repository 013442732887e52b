// `weft run` and `weft runs resume` as a user drives them: a subprocess, no terminal, a SQLite file per test file.
import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ANSI, fixture, record, start, tempDir, weft } from './helpers.js';

const dir = tempDir();
afterAll(() => dir.remove());
const db = dir.file('run.db');
const workflows = fixture('workflows.ts');

describe('weft run', () => {
  it('prints the result as JSON on stdout, one plain line per event on stderr, and exits 0', async () => {
    const finished = await weft(['run', fixture('single.ts'), '--input', '"ada"', '--db', db]);
    expect(finished.code).toBe(0);
    const run = record(finished);
    expect(run).toMatchObject({ status: 'completed', outputs: ['hello, ada'], workflow: 'greeter' });
    expect(run).not.toHaveProperty('input');
    const lines = finished.stderr.trim().split('\n');
    expect(lines[0]).toBe(`run ${run.id} of workflow "greeter" recorded in ${db}`);
    expect(lines).toContain(`run ${run.id} started (workflow greeter)`);
    expect(lines).toContain('superstep 1 started: greet');
    expect(lines).toContain('executor greet invoked');
    expect(lines.some((line) => /^executor greet completed \(\d+ ms\)$/.test(line))).toBe(true);
    expect(lines).toContain('output from greet: "hello, ada"');
    expect(lines.at(-1)).toBe('run completed (1 output)');
  });

  it('never writes an escape sequence when stderr is not a terminal', async () => {
    const finished = await weft(['run', `${workflows}#counter`, '--input', '{"at":1,"to":3,"ms":1}', '--db', db]);
    expect(finished.code).toBe(0);
    expect(finished.stderr).not.toMatch(ANSI);
    expect(finished.stdout).not.toMatch(ANSI);
    expect(record(finished).outputs).toEqual([1, 2, 3]);
  });

  it('reads the input from a file with --input @file, and picks an export with #export', async () => {
    const input = dir.file('input.json');
    writeFileSync(input, '{ "n": 21 }\n');
    const finished = await weft(['run', `${workflows}#doubler`, '--input', `@${input}`, '--db', db]);
    expect(finished.code).toBe(0);
    expect(record(finished)).toMatchObject({ status: 'completed', outputs: [42], workflow: 'doubler' });
  });

  it('reads the input from stdin with --input @-', async () => {
    const finished = await weft(['run', `${workflows}#doubler`, '--input', '@-', '--memory'], { stdin: '{"n": 4}' });
    expect(finished.code).toBe(0);
    expect(record(finished).outputs).toEqual([8]);
  });

  it('exits 1 with the error on stderr when the run fails', async () => {
    const finished = await weft(['run', `${workflows}#failing`, '--input', '1', '--db', db]);
    expect(finished.code).toBe(1);
    expect(record(finished)).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('boom: the fixture fails on purpose') } });
    expect(finished.stderr).toContain(`weft: run ${record(finished).id} failed: `);
    expect(finished.stderr).toContain('executor explode failed');
  });

  it('exits 2 with a clear message on input that is not JSON, and runs nothing', async () => {
    const finished = await weft(['run', `${workflows}#doubler`, '--input', '{n: 1}', '--db', db]);
    expect(finished.code).toBe(2);
    expect(finished.stdout).toBe('');
    expect(finished.stderr).toMatch(/^weft: --input is not valid JSON \(.+\): pass JSON, e\.g\. --input/);
    const bare = await weft(['run', fixture('single.ts'), '--input', 'ada', '--memory']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain(`a string needs its quotes: --input '"hi"'`);
  });

  it('exits 2 when the input does not match the workflow, or a file is missing', async () => {
    const invalid = await weft(['run', `${workflows}#doubler`, '--input', '{"n":"x"}', '--memory']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('does not match the input schema of its start executor "double"');
    const missing = await weft(['run', `${workflows}#doubler`, '--input', '@nowhere.json', '--memory']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--input @nowhere.json: no file at "nowhere.json"');
    const noModule = await weft(['run', 'nowhere.ts', '--memory']);
    expect(noModule.code).toBe(2);
    expect(noModule.stderr).toContain('No module at "nowhere.ts"');
  });

  it('asks which workflow when a module exports several, and lists them', async () => {
    const several = await weft(['run', workflows, '--input', '{}', '--memory']);
    expect(several.code).toBe(2);
    expect(several.stderr).toContain(`Module "${workflows}" exports 4 workflows; pick one with <module>#<export>:`);
    for (const name of ['approval', 'counter', 'doubler', 'failing']) expect(several.stderr).toContain(`${workflows}#${name}`);
    const unknown = await weft(['run', `${workflows}#nope`, '--memory']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('has no export "nope"');
    const notOne = await weft(['run', `${fixture('single.ts')}#notAWorkflow`, '--memory']);
    expect(notOne.code).toBe(2);
    expect(notOne.stderr).toContain('exports something that is not a Workflow as "notAWorkflow"');
    const none = await weft(['run', fixture('none.ts'), '--memory']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('exports no Workflow');
  });

  it('picks a workflow of an exported "workflows" record by its key', async () => {
    const finished = await weft(['run', `${fixture('record.ts')}#double`, '--input', '{"n":5}', '--memory']);
    expect(finished.code).toBe(0);
    expect(record(finished)).toMatchObject({ workflow: 'double', outputs: [10] });
  });

  it('keeps nothing on disk with --memory', async () => {
    const memory = dir.file('never.db');
    const finished = await weft(['run', fixture('single.ts'), '--input', '"x"', '--memory']);
    expect(finished.code).toBe(0);
    expect(finished.stderr).toContain('recorded in memory (--memory)');
    expect(existsSync(memory)).toBe(false);
    expect((await weft(['run', fixture('single.ts'), '--memory', '--db', memory])).code).toBe(2);
  });

  it('exits 3 when the run waits, says how to answer, and "runs resume --respond" completes it', async () => {
    const waiting = await weft(['run', `${workflows}#approval`, '--input', '{"amount":7}', '--db', db]);
    expect(waiting.code).toBe(3);
    const run = record(waiting);
    expect(run.status).toBe('waiting');
    const requestId = run.pendingRequests[0]!.id;
    expect(waiting.stderr).toContain(`Run ${run.id} is waiting for 1 request:`);
    expect(waiting.stderr).toContain(`weft runs resume ${run.id} '${workflows}#approval' --db ${db} --respond ${requestId}='<json>'`);

    const refused = await weft(['runs', 'resume', run.id, workflows, '--db', db, '--respond', `${requestId}={"approved":"yes"}`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('does not match its response schema');
    const notJson = await weft(['runs', 'resume', run.id, workflows, '--db', db, '--respond', `${requestId}=yes`]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain(`The answer to request "${requestId}" is not valid JSON`);

    const answered = await weft(['runs', 'resume', run.id, workflows, '--db', db, '--respond', `${requestId}={"approved":true}`]);
    expect(answered.code).toBe(0);
    expect(record(answered)).toMatchObject({ id: run.id, status: 'completed', outputs: [{ amount: 7, approved: true }] });
    expect(answered.stderr).toContain(`request ${requestId} answered: {"approved":true}`);
    expect(answered.stderr).toContain('run completed (1 output)');

    const again = await weft(['runs', 'resume', run.id, workflows, '--db', db]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('is already completed; nothing to continue');
  });

  it('cancels the run cleanly on SIGINT and exits 130', async () => {
    const running = start(['run', `${workflows}#counter`, '--input', '{"at":1,"to":50,"ms":50}', '--db', db]);
    await running.waitFor('superstep 2 started');
    running.child.kill('SIGINT');
    const finished = await running.done;
    expect(finished.code).toBe(130);
    expect(record(finished).status).toBe('cancelled');
    expect(finished.stderr).toContain('run cancelled');
    const shown = await weft(['runs', 'show', record(finished).id, '--db', db]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ status: 'cancelled' });
  });

  it('continues a run left running by a killed process with "runs resume"', async () => {
    const lease = { WEFT_LEASE_MS: '1000' }; // the killed process holds its run this long
    const running = start(['run', `${workflows}#counter`, '--input', '{"at":1,"to":8,"ms":100}', '--db', db], { env: lease });
    await running.waitFor('superstep 3 completed');
    running.child.kill('SIGKILL');
    await running.done;
    const runId = /^run (\S+) of workflow "counter"/m.exec(running.stderr())![1]!;
    const left = await weft(['runs', 'show', runId, '--db', db]);
    expect(JSON.parse(left.stdout)).toMatchObject({ status: 'running' });

    const resumed = await weft(['runs', 'resume', runId, workflows, '--db', db], { env: lease });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`Run ${runId} was left running by a process that stopped; continuing it from its latest checkpoint.`);
    expect(record(resumed)).toMatchObject({ id: runId, status: 'completed', outputs: [1, 2, 3, 4, 5, 6, 7, 8] });
  });
});

describe('weft --help', () => {
  it('explains every command and exits 0; no command is a usage error', async () => {
    const cases = [
      [['--help'], 'Usage: weft <command>'],
      [['help', 'run'], 'Usage: weft run <module>[#export]'],
      [['run', '--help'], 'Usage: weft run <module>[#export]'],
      [['serve', '-h'], 'Usage: weft serve <module>'],
      [['graph', '--help'], 'Usage: weft graph <module>'],
      [['runs', '--help'], 'Usage: weft runs <list|show|events|resume>'],
      [['runs', 'list', '--help'], 'Usage: weft runs list'],
      [['runs', 'show', '--help'], 'Usage: weft runs show <runId>'],
      [['runs', 'events', '--help'], 'Usage: weft runs events <runId>'],
      [['runs', 'resume', '--help'], 'Usage: weft runs resume <runId> <module>'],
    ] as const;
    const results = await Promise.all(cases.map(([args]) => weft(args)));
    for (const [i, [args, usage]] of cases.entries()) {
      expect(results[i]!.code, args.join(' ')).toBe(0);
      expect(results[i]!.stdout.startsWith(usage), args.join(' ')).toBe(true);
    }
    const bare = await weft([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: weft <command>');
    const unknown = await weft(['launch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "launch"');
    const badFlag = await weft(['run', fixture('single.ts'), '--inptu', '1']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('Unknown option --inptu for "weft run". Its options: --input, --db, --memory.');
  });
});
