import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InetBuild } from '../../api/v1alpha1.ts';
import type { RunDoc } from '../../lib/store/store.ts';
import { recordedBuildLog, runLogView } from '../../cli/data/logs.ts';
import { formatBuildLog, formatRunLog, runLogJson } from '../../cli/output/logs.ts';

const doc = (change: Partial<RunDoc>): RunDoc => ({
  _id: 'u/4',
  campaignUid: 'u',
  run: 4,
  status: 'failed',
  attempts: 2,
  reason: 'SimulationError',
  exitCode: 1,
  runnerPod: 'runner-x',
  message: 'exited with code 1',
  outputTail: 'tail line',
  updatedAt: new Date(0),
  ...change,
});

describe('runLogView and formatRunLog', () => {
  it('shows a failed run with its reason, exit code, pod, error line and output tail', () => {
    const view = runLogView(4, doc({ errorLine: '<!> Error: boom' }), undefined);
    assert.equal(formatRunLog(view), 'Run 4: failed, 2 attempt(s), SimulationError, exit code 1, on runner-x\n<!> Error: boom\n--- output tail ---\ntail line\n');
  });
  it('falls back to the failure message when a failed run has no error line', () =>
    assert.equal(runLogView(4, doc({}), undefined).errorLine, 'exited with code 1'));
  it('prefers the stored .out file to the output tail', () => {
    const view = runLogView(4, doc({ status: 'succeeded', reason: 'Succeeded', exitCode: 0 }), 'whole output\n');
    assert.equal(formatRunLog(view), 'Run 4: succeeded, 2 attempt(s), exit code 0, on runner-x\n--- .out ---\nwhole output\n');
  });
  it('ends with the command that runs the run on the user\'s machine when the runner recorded one', () => {
    const view = runLogView(4, doc({ errorLine: '<!> Error: boom', command: 'cd samples/aloha && ./aloha -u Cmdenv -c A -f omnetpp.ini -r 4' }), undefined);
    assert.equal(
      formatRunLog(view),
      'Run 4: failed, 2 attempt(s), SimulationError, exit code 1, on runner-x\n<!> Error: boom\n--- output tail ---\ntail line\n' +
        "To run it on your machine (from your checkout's root):\n  cd samples/aloha && ./aloha -u Cmdenv -c A -f omnetpp.ini -r 4\n",
    );
    assert.equal(runLogJson('c', view).command, view.command);
  });
  it('says what the run simulates, from its record', () => {
    const view = runLogView(4, doc({ status: 'succeeded', reason: 'Succeeded', exitCode: 0, iterationVars: { numHosts: '10', iaMean: '2' }, repetition: 0, seedSet: 4 }), undefined);
    assert.equal(formatRunLog(view).split('\n')[1], 'Simulates $numHosts=10, $iaMean=2, $repetition=0 (seed set 4)');
    assert.deepEqual([runLogJson('c', view).iterationVars, runLogJson('c', view).repetition, runLogJson('c', view).seedSet], [{ numHosts: '10', iaMean: '2' }, 0, 4]);
  });
  it('gives scripts the run fields without where the output came from', () =>
    assert.deepEqual(Object.keys(runLogJson('c', runLogView(4, doc({}), undefined))), ['campaign', 'run', 'status', 'attempts', 'reason', 'exitCode', 'errorLine', 'output', 'command']));
});

describe('recordedBuildLog', () => {
  const build = (status: InetBuild['status']): InetBuild =>
    ({ apiVersion: 'inetswarm.dev/v1alpha1', kind: 'InetBuild', metadata: { name: 'b' }, spec: {}, status }) as unknown as InetBuild;
  it('shows the failure and its log tail', () => {
    const log = recordedBuildLog('b', build({ phase: 'Failed', failure: { reason: 'CompileError', message: 'make failed', logTail: 'error: x' } }));
    assert.deepEqual(log, { source: 'InetBuild b status', text: 'CompileError: make failed\nerror: x' });
    assert.equal(formatBuildLog(log), 'CompileError: make failed\nerror: x\n');
  });
  it('says why there is no log when the build did not fail', () =>
    assert.match(recordedBuildLog('b', build({ phase: 'Succeeded' })).text, /^Build b is Succeeded; no log is available/));
});
