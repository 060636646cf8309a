// Project detection on real folder layouts: an INET-like tree, a project with
// INET in a subfolder, and standalone models (the built oppsim fixture and an
// opp_makemake-style folder).
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { planCommand, runCommand } from '../../lib/engine/command.ts';
import { simulationSpec } from '../../cli/data/run.ts';
import { CliError } from '../../cli/errors.ts';
import { detectProject } from '../../cli/project/detect.ts';
import { buildFixture, makeFixtureRepo } from '../fixtures/fixture.ts';
import { scratchDir } from '../support/cli.ts';

let root = '';
let cleanup: () => Promise<void> = async () => {};
before(async () => {
  ({ dir: root, cleanup } = await scratchDir('cli-project-'));
});
after(() => cleanup());

async function write(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

/** The files of an INET checkout that detection looks at. */
async function inetTree(dir: string): Promise<void> {
  await write(path.join(dir, '.nedfolders'), 'src\nexamples\nshowcases\n');
  await write(path.join(dir, '.nedexclusions'), 'inet.examples.emulation\ninet.showcases.emulation\n');
  await write(path.join(dir, 'src', 'libINET.so'), '');
  await write(path.join(dir, 'src', 'Makefile'), 'all:\n');
  await write(path.join(dir, 'examples', 'aloha', 'omnetpp.ini'), '[General]\n');
  await write(path.join(dir, 'examples', 'aloha', 'extra.ini'), '[Config X]\n');
}

describe('detectProject', () => {
  it('detects an INET checkout from .nedfolders, .nedexclusions and src/libINET.so', async () => {
    const inet = path.join(root, 'inet');
    await inetTree(inet);
    const project = await detectProject({ cwd: path.join(inet, 'examples', 'aloha'), repoRoot: inet, iniFiles: [] });
    assert.deepEqual(project, {
      kind: 'inet',
      root: inet,
      workingDir: 'examples/aloha',
      iniFiles: ['omnetpp.ini'],
      simulation: {
        executable: 'opp_run',
        nedPath: ['src', 'examples', 'showcases'],
        nedExcludes: ['inet.examples.emulation', 'inet.showcases.emulation'],
        libraries: ['src/INET'],
      },
    });
    const plan = planCommand(project.root, simulationSpec(project, { config: 'Aloha', runFilter: '0..3' }, []));
    assert.equal(plan.executable, 'opp_run');
    assert.equal(plan.cwd, path.join(inet, 'examples', 'aloha'));
    assert.deepEqual(plan.args, [
      '-s', '-q', 'runnumbers', '-c', 'Aloha',
      '-n', `${inet}/src:${inet}/examples:${inet}/showcases`,
      '-x', 'inet.examples.emulation;inet.showcases.emulation',
      '-l', `${inet}/src/INET`,
      '-f', 'omnetpp.ini',
      '-r', '0..3',
    ]);
  });

  it('names paths from the repository root when INET is a subfolder of the repository', async () => {
    const repo = path.join(root, 'thesis');
    await inetTree(path.join(repo, 'inet4'));
    const project = await detectProject({
      cwd: path.join(repo, 'inet4', 'examples', 'aloha'),
      repoRoot: repo,
      iniFiles: ['omnetpp.ini', 'extra.ini'],
    });
    assert.equal(project.root, repo);
    assert.equal(project.workingDir, 'inet4/examples/aloha');
    assert.deepEqual(project.iniFiles, ['omnetpp.ini', 'extra.ini']);
    assert.deepEqual(project.simulation.nedPath, ['inet4/src', 'inet4/examples', 'inet4/showcases']);
    assert.deepEqual(project.simulation.libraries, ['inet4/src/INET']);
  });

  it('detects the built oppsim fixture as a standalone model with its own executable', async () => {
    const { repoDir } = await makeFixtureRepo({ dir: path.join(root, 'oppsim-model') });
    await buildFixture(repoDir);
    const project = await detectProject({ cwd: repoDir, repoRoot: repoDir, iniFiles: [] });
    assert.equal(project.kind, 'standalone');
    assert.equal(project.workingDir, '.');
    assert.equal(project.simulation.executable, './oppsim');
    assert.deepEqual(project.simulation.nedPath, []);
    const run = runCommand(project.root, simulationSpec(project, { config: 'Aloha' }, []), 3, '/tmp/r');
    assert.equal(run.executable, path.join(repoDir, 'oppsim'));
  });

  it("finds an opp_makemake model's -o target in a subfolder of the repository", async () => {
    const repo = path.join(root, 'samples-repo');
    const folder = path.join(repo, 'samples', 'aloha');
    await write(path.join(folder, 'omnetpp.ini'), '[General]\n');
    await write(path.join(folder, 'Makefile'), '# Name of target to be created (-o option)\nTARGET_NAME = alohasim$(D)\n');
    await copyFile(process.execPath, path.join(folder, 'alohasim'));
    await chmod(path.join(folder, 'alohasim'), 0o755);
    const project = await detectProject({ cwd: folder, repoRoot: repo, iniFiles: [] });
    assert.equal(project.kind, 'standalone');
    assert.equal(project.workingDir, 'samples/aloha');
    assert.equal(project.simulation.executable, 'samples/aloha/alohasim');
  });

  it('refuses a model that is not built, naming --executable, unless the cluster builds it', async () => {
    const folder = path.join(root, 'unbuilt', 'tictoc');
    await write(path.join(folder, 'omnetpp.ini'), '[General]\n');
    await assert.rejects(
      detectProject({ cwd: folder, repoRoot: path.dirname(folder), iniFiles: [] }),
      (err: Error) => err instanceof CliError && /No simulation found.*--executable/s.test(err.message),
    );
    const forCluster = await detectProject({ cwd: folder, repoRoot: path.dirname(folder), iniFiles: [], requireBuilt: false });
    assert.equal(forCluster.simulation.executable, 'tictoc/tictoc');
  });

  it('refuses a missing ini file', async () => {
    const folder = path.join(root, 'no-ini');
    await mkdir(folder, { recursive: true });
    await assert.rejects(
      detectProject({ cwd: folder, repoRoot: folder, iniFiles: [] }),
      (err: Error) => err instanceof CliError && /Ini file omnetpp\.ini not found/.test(err.message),
    );
  });
});
