import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inboxPrefix, runnerPermissions } from '../../lib/queue/permissions.ts';
import { namespaceTaskStream, queueNames } from '../../lib/queue/subjects.ts';

const names = queueNames();
const perms = runnerPermissions(names, 'sims');

/** Whether a NATS permission subject (with * and >) covers a concrete subject, token by token. */
function covers(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

const allowed = (list: string[], subject: string) => list.some((pattern) => covers(pattern, subject));

describe('the NATS permissions of a namespace\'s runners', () => {
  const stream = namespaceTaskStream(names, 'sims');
  const cases: { what: string; subject: string; pub: boolean }[] = [
    { what: 'its stream\'s info', subject: `$JS.API.STREAM.INFO.${stream}`, pub: true },
    { what: 'its consumer\'s info', subject: `$JS.API.CONSUMER.INFO.${stream}.campaign-u1`, pub: true },
    { what: 'a pull from its consumer', subject: `$JS.API.CONSUMER.MSG.NEXT.${stream}.campaign-u1`, pub: true },
    { what: 'a consumer on its stream', subject: `$JS.API.CONSUMER.CREATE.${stream}.campaign-u1.inetswarm.task.sims.a.u1`, pub: true },
    { what: 'an ack of its delivery', subject: `$JS.ACK.${stream}.campaign-u1.1.2.3.1700000000.0`, pub: true },
    { what: 'a task of its campaign', subject: 'inetswarm.task.sims.aloha.u1', pub: true },
    { what: 'an event of its campaign', subject: 'inetswarm.event.sims.aloha.u1', pub: true },
    { what: 'another namespace\'s stream info', subject: '$JS.API.STREAM.INFO.INETSWARM_TASKS_other', pub: false },
    { what: 'another namespace\'s pull', subject: '$JS.API.CONSUMER.MSG.NEXT.INETSWARM_TASKS_other.campaign-u1', pub: false },
    { what: 'a namespace whose name starts with its own', subject: '$JS.API.CONSUMER.MSG.NEXT.INETSWARM_TASKS_sims-2.campaign-u1', pub: false },
    { what: 'another namespace\'s ack', subject: '$JS.ACK.INETSWARM_TASKS_other.campaign-u1.1.2.3.1700000000.0', pub: false },
    { what: 'another namespace\'s task', subject: 'inetswarm.task.other.aloha.u1', pub: false },
    { what: 'another namespace\'s event', subject: 'inetswarm.event.other.aloha.u1', pub: false },
    { what: 'a purge of its own stream', subject: `$JS.API.STREAM.PURGE.${stream}`, pub: false },
    { what: 'a delete of its own stream', subject: `$JS.API.STREAM.DELETE.${stream}`, pub: false },
    { what: 'a delete of its consumer', subject: `$JS.API.CONSUMER.DELETE.${stream}.campaign-u1`, pub: false },
    { what: 'a new stream', subject: '$JS.API.STREAM.CREATE.EVIL', pub: false },
    { what: 'the account info', subject: '$JS.API.INFO', pub: false },
    { what: 'the system account', subject: '$SYS.REQ.SERVER.PING', pub: false },
  ];
  for (const { what, subject, pub } of cases) {
    it(`${pub ? 'allows' : 'refuses'} publishing ${what}`, () => assert.equal(allowed(perms.pub, subject), pub));
  }

  it('lets it listen on its own inbox only', () => {
    assert.equal(inboxPrefix('sims'), '_INBOX_sims');
    assert.equal(allowed(perms.sub, '_INBOX_sims.abc.1'), true);
    assert.equal(allowed(perms.sub, '_INBOX.abc.1'), false);
    assert.equal(allowed(perms.sub, '_INBOX_other.abc.1'), false);
    assert.equal(allowed(perms.sub, 'inetswarm.task.sims.aloha.u1'), false);
  });

  it('names no wildcard before the namespace', () => {
    for (const subject of [...perms.pub, ...perms.sub]) assert.ok(/sims/.test(subject.split(/[*>]/)[0] ?? ''), subject);
  });
});
