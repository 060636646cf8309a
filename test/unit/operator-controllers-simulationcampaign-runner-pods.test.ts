// runner-pods.ts: what a campaign's runner pods say about its progress (the
// trouble of now, the incidents worth one Event each).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runnerIncidents, runnerTrouble, type ObservedRunnerPod } from '../../operator/controllers/simulationcampaign/runner-pods.ts';

const healthy: ObservedRunnerPod = { name: 'r-ok' };
const pulling: ObservedRunnerPod = { name: 'r-pull', waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "runner:absent"' } };
const crashing: ObservedRunnerPod = {
  name: 'r-crash',
  waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=runner', container: 'runner' },
  lastTermination: { container: 'runner', reason: 'Error', exitCode: 1, message: 'ConfigError: INETSWARM_QUEUE_PREFIX is empty\n', restarts: 3 },
};
const oomLooping: ObservedRunnerPod = { ...crashing, name: 'r-oom', lastTermination: { container: 'runner', reason: 'OOMKilled', exitCode: 137, message: '', restarts: 2 } };
const evicted: ObservedRunnerPod = { name: 'r-evicted', evicted: { reason: 'Evicted', message: 'The node was low on resource: ephemeral-storage.' }, finished: true };
const troubleOf = (pods: ObservedRunnerPod[]) => runnerTrouble(pods)?.reason;

describe('runnerTrouble', () => {
  it('sees none while every runner pod is healthy', () => assert.equal(troubleOf([healthy, healthy]), undefined));
  it('names an image that cannot be pulled', () => assert.equal(troubleOf([healthy, pulling]), 'RunnerImageUnavailable'));
  it('names a container that keeps exiting', () => assert.equal(troubleOf([healthy, crashing]), 'RunnerCrashLoopBackOff'));
  it('puts a pod that cannot start before one that keeps exiting', () => assert.equal(troubleOf([crashing, pulling]), 'RunnerImageUnavailable'));
  it('quotes the container\'s last exit code, reason and termination message', () =>
    assert.equal(runnerTrouble([crashing])?.message, 'Runner pod r-crash: container runner keeps exiting: exit code 1, Error: ConfigError: INETSWARM_QUEUE_PREFIX is empty'));
  it('quotes only the last line of a termination message made of the log\'s tail', () => {
    const logTail = { ...crashing, lastTermination: { ...crashing.lastTermination!, message: '{"msg":"Starting runner"}\n{"msg":"Stopped runner","err":"MongoParseError: Invalid scheme"}\n' } };
    assert.match(runnerTrouble([logTail])?.message ?? '', /Error: \{"msg":"Stopped runner","err":"MongoParseError: Invalid scheme"\}$/);
  });
  it('says a crash loop of a container killed for its memory is one', () => assert.match(runnerTrouble([oomLooping])?.message ?? '', /exit code 137, OOMKilled/));
  it('names evictions that left no runner pod', () => assert.equal(troubleOf([evicted]), 'RunnerEvicted'));
  it('sees none when an evicted pod was replaced', () => assert.equal(troubleOf([evicted, healthy]), undefined));
  it('ignores the wait of a pod that ended', () => assert.equal(troubleOf([{ ...pulling, finished: true }]), undefined));
});

describe('runnerIncidents', () => {
  it('reports a container killed for its memory once per restart, keyed by pod, container and restart', () =>
    assert.deepEqual(runnerIncidents([oomLooping]).map((i) => [i.key, i.reason]), [['r-oom/runner/2', 'RunnerOOMKilled']]));
  it('reports an evicted pod once, keyed by the pod', () => assert.deepEqual(runnerIncidents([evicted, healthy]).map((i) => [i.key, i.reason]), [['r-evicted/evicted', 'RunnerEvicted']]));
  it('says nothing of a container that ended with an error of its own', () => assert.deepEqual(runnerIncidents([crashing]), []));
  it('quotes the eviction manager', () => assert.match(runnerIncidents([evicted])[0]?.message ?? '', /^Runner pod r-evicted was evicted \(Evicted\): The node was low on resource: ephemeral-storage\.$/));
});
