import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consumerName, namespaceTaskStream, planMsgId, queueNames, runMsgId, taskRootOf, taskSubject } from '../../lib/queue/subjects.ts';
import { encodeTask, parseTask } from '../../lib/queue/task.ts';

const ref = { namespace: 'sims', campaign: 'aloha', campaignUid: '0b5c7e2a-1111-4c1d-9a3e-2f2f2f2f2f2f' };
const policy = { maxAttempts: 3, retrySimulationErrors: false, runTimeoutMs: 60_000 };

describe('queue names', () => {
  it('names the streams and subjects after the prefix', () => {
    assert.deepEqual(queueNames(), { tasksStreamPrefix: 'INETSWARM_TASKS', eventsStream: 'INETSWARM_EVENTS', taskRoot: 'inetswarm.task', eventRoot: 'inetswarm.event' });
    assert.equal(namespaceTaskStream(queueNames('T1'), 'sims'), 'T1_TASKS_sims');
  });
  it('gives each namespace its own task stream over its own subjects', () => {
    assert.equal(namespaceTaskStream(queueNames(), 'sims'), 'INETSWARM_TASKS_sims');
    assert.equal(taskRootOf(queueNames(), 'sims'), 'inetswarm.task.sims');
    assert.ok(taskSubject(queueNames(), ref).startsWith(`${taskRootOf(queueNames(), 'sims')}.`));
    assert.throws(() => namespaceTaskStream(queueNames(), 'a.b'), /Invalid namespace/);
  });
  it('puts namespace, campaign and uid into the task subject', () => {
    assert.equal(taskSubject(queueNames(), ref), `inetswarm.task.sims.aloha.${ref.campaignUid}`);
  });
  it('refuses a name that would widen the subject filter', () => {
    assert.throws(() => taskSubject(queueNames(), { ...ref, campaign: 'a.b' }), /Invalid campaign/);
    assert.throws(() => taskSubject(queueNames(), { ...ref, namespace: '*' }), /Invalid namespace/);
    assert.throws(() => queueNames('a.b'), /Invalid queue prefix/);
  });
  it('derives consumer and deduplication ids from the campaign uid', () => {
    assert.equal(consumerName(ref), `campaign-${ref.campaignUid}`);
    assert.equal(planMsgId('u'), 'u-plan');
    assert.equal(runMsgId('u', 42), 'u-run-42');
  });
});

describe('parseTask', () => {
  it('reads back an encoded run task', () => {
    const task = { version: 1 as const, kind: 'run' as const, ...ref, run: 7, policy };
    assert.deepEqual(parseTask(encodeTask(task)), { ok: true, task });
  });
  it('reads back an encoded plan task', () => {
    const task = { version: 1 as const, kind: 'plan' as const, ...ref, policy };
    assert.deepEqual(parseTask(encodeTask(task)), { ok: true, task });
  });
  const bad: Array<[string, unknown, RegExp]> = [
    ['text that is not JSON', 'not json{', /not JSON/],
    ['a JSON array', [1], /not a JSON object/],
    ['an unknown version', { version: 2 }, /unsupported task version/],
    ['an unknown kind', { version: 1, kind: 'build' }, /unknown task kind/],
    ['a missing campaign uid', { version: 1, kind: 'plan', namespace: 'a', campaign: 'b', policy }, /campaignUid/],
    ['a negative run number', { version: 1, kind: 'run', ...ref, run: -1, policy }, /non-negative integer/],
    ['a fractional run number', { version: 1, kind: 'run', ...ref, run: 1.5, policy }, /non-negative integer/],
    ['a policy without attempts', { version: 1, kind: 'run', ...ref, run: 1, policy: { ...policy, maxAttempts: 0 } }, /maxAttempts/],
    ['a policy without timeout', { version: 1, kind: 'plan', ...ref, policy: { maxAttempts: 1, retrySimulationErrors: true } }, /runTimeoutMs/],
  ];
  for (const [what, value, error] of bad) {
    it(`rejects ${what} with a message naming the problem`, () => {
      const parsed = parseTask(typeof value === 'string' ? value : JSON.stringify(value));
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.match(parsed.error, error);
    });
  }
});
