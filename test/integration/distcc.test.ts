// The builder hands compile jobs to distccd over DISTCC_HOSTS; this checks
// that the stack's distccd daemons really accept a gcc job from a client with
// local fallback switched off, and that such a client fails instead of
// quietly compiling locally when no daemon answers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useStack } from '../stack/env.ts';
import { freePort } from '../stack/process.ts';
import { eventually } from '../support/eventually.ts';

interface Result {
  code: number;
  stderr: string;
}

function distcc(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Result> {
  return new Promise((resolve) => {
    execFile('distcc', args, { env: { ...process.env, ...env }, cwd }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stderr });
    });
  });
}

/** The client settings that make a remote failure an error instead of a silent local compile. */
function remoteOnly(hosts: string, dir: string): NodeJS.ProcessEnv {
  return { DISTCC_HOSTS: hosts, DISTCC_FALLBACK: '0', DISTCC_SKIP_LOCAL_RETRY: '1', DISTCC_DIR: dir, DISTCC_VERBOSE: '0' };
}

describe('distccd of the local stack', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'inet-swarm-distcc-test-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('compiles a C file sent with `distcc gcc -c` and logs the job as COMPILE_OK', async () => {
    const { distcc: daemons } = await useStack();
    assert.ok(daemons.hosts.length > 0, 'the stack runs at least one distccd');
    const name = `add_${randomUUID().slice(0, 8)}`;
    await writeFile(join(dir, `${name}.c`), 'int add(int a, int b) { return a + b; }\n');

    const result = await distcc(['gcc', '-O2', '-c', `${name}.c`, '-o', `${name}.o`], remoteOnly(`${daemons.hosts[0]}/2,lzo`, dir), dir);
    assert.equal(result.code, 0, result.stderr);

    const object = await readFile(join(dir, `${name}.o`));
    assert.deepEqual([...object.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], 'an ELF object file');
    // distccd's log reaches the file through the stack process's pipe, a moment later.
    const compiled = new RegExp(`COMPILE_OK .*${name}\\.c`);
    await eventually(`distccd's log records the job for ${name}.c`, async () => (await readFile(daemons.logFiles[0] ?? '', 'utf8')).split('\n').find((l) => compiled.test(l)), 5_000, 100);
  });

  test('fails instead of compiling locally when no distccd answers', async () => {
    const name = `sub_${randomUUID().slice(0, 8)}`;
    await writeFile(join(dir, `${name}.c`), 'int sub(int a, int b) { return a - b; }\n');
    const result = await distcc(['gcc', '-c', `${name}.c`, '-o', `${name}.o`], remoteOnly(`127.0.0.1:${await freePort()}/2`, dir), dir);
    assert.notEqual(result.code, 0);
    await assert.rejects(readFile(join(dir, `${name}.o`)), { code: 'ENOENT' });
  });
});
