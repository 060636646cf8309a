// The oppsim fixture model against every recorded case of real OMNeT++ 6.1
// (test/fixtures/omnetpp-reference): exit code, stderr, query output, the
// significant stdout lines, result file names, `.out` contents, each `.sca`'s
// run identity and the `.vci` header, so that the fixture cannot drift from
// the real thing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFixture, makeFixtureRepo } from '../fixtures/fixture.ts';
import { REFERENCE_CASES, REFERENCE_DIR, runIdentity, significantLines, type ReferenceCase } from '../fixtures/omnetpp-reference.ts';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

let work = '';
let executable = '';

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'oppsim-reference-'));
  const { repoDir } = await makeFixtureRepo({ dir: join(work, 'repo') });
  ({ executable } = await buildFixture(repoDir));
});

after(async () => {
  if (!process.env.INETSWARM_TEST_KEEP) await rm(work, { recursive: true, force: true });
});

/** A copy of the sample's folder: the fixture's ini, the fixture as the sample's executable and as `opp_run`. */
async function sampleFolder(c: ReferenceCase): Promise<string> {
  const dir = join(work, c.name);
  await mkdir(dir, { recursive: true });
  await copyFile(join(REFERENCE_DIR, c.model, 'omnetpp.ini'), join(dir, 'omnetpp.ini'));
  await copyFile(executable, join(dir, c.model));
  await copyFile(executable, join(dir, 'opp_run'));
  return dir;
}

/** Runs the case's command there; with a signal, sends it once the run is under way, as the recording did. */
function runCase(c: ReferenceCase, dir: string): Promise<Ran> {
  const [first = '', ...args] = c.command;
  const program = first === 'opp_run' ? join(dir, 'opp_run') : join(dir, first);
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (c.signal && !signalled && stdout.includes('Running simulation...')) {
        signalled = true;
        setTimeout(() => child.kill(c.signal), 200);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

async function resultNames(dir: string): Promise<string[] | undefined> {
  try {
    return (await readdir(join(dir, 'results'))).sort();
  } catch {
    return undefined;
  }
}

describe('the fixture against real OMNeT++ 6.1', () => {
  for (const c of REFERENCE_CASES) {
    test(`${c.name}: ${c.command.join(' ')}${c.signal ? ` (${c.signal})` : ''}`, async () => {
      const dir = await sampleFolder(c);
      const ran = await runCase(c, dir);
      assert.equal(ran.code, c.exitCode, `exit code; stderr: ${ran.stderr}`);
      assert.deepEqual(ran.stderr.split('\n').filter((l) => l !== ''), c.stderr, 'stderr');
      if (c.stdout !== undefined) assert.equal(ran.stdout, c.stdout, 'query output');
      if (c.stdoutLines) assert.deepEqual(significantLines(ran.stdout), c.stdoutLines, 'significant stdout lines');
      assert.deepEqual(await resultNames(dir), c.resultFiles, 'result files');
      for (const [name, lines] of Object.entries(c.outLines ?? {})) {
        assert.deepEqual(significantLines(await readFile(join(dir, 'results', name), 'utf8')), lines, name);
      }
      for (const [name, lines] of Object.entries(c.scaIdentity ?? {})) {
        assert.deepEqual(runIdentity(await readFile(join(dir, 'results', name), 'utf8')), lines, `${name}: run identity`);
      }
      for (const vci of (c.resultFiles ?? []).filter((f) => f.endsWith('.vci'))) {
        const header = (await readFile(join(dir, 'results', vci), 'utf8')).split('\n')[0] ?? '';
        const vec = await stat(join(dir, 'results', vci.replace(/\.vci$/, '.vec')));
        const match = /^file (\d+) (\d+) *$/.exec(header);
        assert.equal(header.length, 64, `${vci}: the first line is 64 characters wide, as OMNeT++ pads it`);
        assert.deepEqual(match && [Number(match[1]), Number(match[2])], [vec.size, Math.floor(vec.mtimeMs / 1000)], `${vci} header`);
      }
    });
  }
});
