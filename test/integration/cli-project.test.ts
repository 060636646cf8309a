// Project detection on synthetic folder layouts built here (no OMNeT++ or INET
// file is copied): an INET-like library tree, a standalone sample with an
// opp_makemake Makefile and `.nedfolders` `.`, a model using INET from a
// sibling folder or a submodule, the built oppsim fixture, and the projects
// detection cannot understand.
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

/** A program file that passes as built (any executable file will do: detection only checks it exists). */
async function program(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await copyFile(process.execPath, file);
  await chmod(file, 0o755);
}

/** A Makefile in the shape opp_makemake writes, reduced to the lines detection reads. */
function generatedMakefile(command: string, target: string, suffix: 'EXE_SUFFIX' | 'SHARED_LIB_SUFFIX', extra = ''): string {
  const name = suffix === 'SHARED_LIB_SUFFIX' ? `$(LIB_PREFIX)${target}$(D)` : `${target}$(D)`;
  return [
    '#',
    '# This file was generated with the command:',
    `#  opp_makemake ${command}`,
    '#',
    '',
    'TARGET_DIR = .',
    `TARGET_NAME = ${name}`,
    `TARGET = $(TARGET_NAME)$(${suffix})`,
    'TARGET_FILES = $(TARGET_DIR)/$(TARGET)',
    '',
    extra,
    '',
  ].join('\n');
}

/** An INET-like library project: .nedfolders (no .nedexclusions, as in INET 4.5), src/Makefile --make-so, bin/inet. */
async function inetTree(dir: string, opts: { built?: boolean; exclusions?: boolean } = {}): Promise<void> {
  await write(path.join(dir, '.nedfolders'), 'src\nexamples\nshowcases\n');
  if (opts.exclusions === true) await write(path.join(dir, '.nedexclusions'), 'inet.examples.emulation\ninet.showcases.emulation\n');
  await write(path.join(dir, '.project'), '<?xml version="1.0"?>\n<projectDescription>\n<name>inet</name>\n<projects>\n</projects>\n</projectDescription>\n');
  await write(path.join(dir, 'Makefile'), 'MAKEMAKE_OPTIONS := -f --deep -o INET -O out -pINET -I.\n\nmakefiles: makefiles-so\n\nmakefiles-so:\n\t@cd src && opp_makemake --make-so $(MAKEMAKE_OPTIONS)\n');
  await write(path.join(dir, 'src', 'Makefile'), generatedMakefile('--make-so -f --deep -o INET -O out -pINET -I.', 'INET', 'SHARED_LIB_SUFFIX'));
  await write(path.join(dir, 'bin', 'inet'), '#!/bin/sh\n');
  if (opts.built !== false) await write(path.join(dir, 'src', 'libINET.so'), '');
  await write(path.join(dir, 'examples', 'aloha', 'omnetpp.ini'), '[General]\n');
  await write(path.join(dir, 'examples', 'aloha', 'extra.ini'), '[Config X]\n');
}

/** A standalone sample like OMNeT++'s aloha: .nedfolders `.`, an opp_makemake Makefile for the executable aloha. */
async function alohaSample(dir: string, opts: { built?: 'release' | 'debug' | 'none' } = {}): Promise<void> {
  await write(path.join(dir, '.nedfolders'), '.\n');
  await write(path.join(dir, 'Makefile'), generatedMakefile('-f --deep -o aloha -O out', 'aloha', 'EXE_SUFFIX'));
  await write(path.join(dir, 'omnetpp.ini'), '[General]\n');
  const built = opts.built ?? 'release';
  if (built !== 'none') await program(path.join(dir, built === 'debug' ? 'aloha_dbg' : 'aloha'));
}

/** A model linking INET: .project references inet, its Makefile links -L<inet>/src -lINET through a -K variable. */
async function modelUsingInet(dir: string, inetRel: string): Promise<void> {
  await write(path.join(dir, '.nedfolders'), 'src\nsimulations\n');
  await write(path.join(dir, '.project'), '<projectDescription><name>mymodel</name><projects><project>inet</project></projects></projectDescription>\n');
  const vars = `LIBS = $(LDFLAG_LIBPATH)$(INET_PROJ)/src  -lINET$(D)\n\n# Other makefile variables (-K)\nINET_PROJ=../${inetRel}\n`;
  await write(path.join(dir, 'src', 'Makefile'), generatedMakefile(`-f --deep -o mymodel -KINET_PROJ=../${inetRel} -L$(INET_PROJ)/src -lINET$(D)`, 'mymodel', 'EXE_SUFFIX', vars));
  await program(path.join(dir, 'src', 'mymodel'));
  await write(path.join(dir, 'simulations', 'omnetpp.ini'), '[General]\n');
}

describe('detectProject', () => {
  it('detects an INET checkout from .nedfolders, .nedexclusions and src/libINET.so', async () => {
    const inet = path.join(root, 'inet');
    await inetTree(inet, { exclusions: true });
    const { detection, ...project } = await detectProject({ cwd: path.join(inet, 'examples', 'aloha'), repoRoot: inet, iniFiles: [] });
    assert.match(detection[0] ?? '', /^runs opp_run -l src\/INET: src\/Makefile \(generated by opp_makemake --make-so.*\) builds the shared library libINET\.so/);
    assert.match(detection[1] ?? '', /NED folders: src, examples, showcases \(from \.nedfolders\); NED exclusions inet\.examples\.emulation/);
    assert.deepEqual(project, {
      kind: 'library',
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
      '-s', '-q', 'runs', '-c', 'Aloha',
      '-n', `${inet}/src:${inet}/examples:${inet}/showcases`,
      '-x', 'inet.examples.emulation;inet.showcases.emulation',
      '-l', `${inet}/src/INET`,
      '-f', 'omnetpp.ini',
      '-r', '0..3',
    ]);
  });

  it('names paths from the repository root when INET is a subfolder of the repository', async () => {
    const repo = path.join(root, 'thesis');
    await inetTree(path.join(repo, 'inet4'), { exclusions: true });
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
    assert.match(project.detection[0] ?? '', /^runs \.\/oppsim: the Makefile builds it/);
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

describe('detectProject by what the project builds', () => {
  it('runs a standalone sample (.nedfolders `.`, an opp_makemake executable) with its own executable, not opp_run', async () => {
    const sample = path.join(root, 'aloha');
    await alohaSample(sample);
    const project = await detectProject({ cwd: sample, repoRoot: sample, iniFiles: [] });
    assert.equal(project.kind, 'standalone');
    assert.deepEqual(project.simulation, { executable: './aloha', nedPath: ['.'], nedExcludes: [], libraries: [] });
    assert.match(project.detection[0] ?? '', /^runs \.\/aloha: Makefile \(generated by opp_makemake -f --deep -o aloha -O out\) builds the executable aloha \(no --make-so\)$/);
    const plan = planCommand(project.root, simulationSpec(project, { config: 'PureAloha1' }, []));
    assert.equal(plan.executable, path.join(sample, 'aloha'));
    assert.deepEqual(plan.args.slice(0, 7), ['-s', '-q', 'runs', '-c', 'PureAloha1', '-n', sample]);
  });

  it('runs the _dbg executable in debug mode, and says which build is there when the other is asked for', async () => {
    const sample = path.join(root, 'samples', 'aloha');
    await alohaSample(sample, { built: 'debug' });
    const repo = path.join(root, 'samples');
    const debug = await detectProject({ cwd: sample, repoRoot: repo, iniFiles: [], mode: 'debug' });
    assert.equal(debug.simulation.executable, 'aloha/aloha_dbg');
    await assert.rejects(
      detectProject({ cwd: sample, repoRoot: repo, iniFiles: [] }),
      (err: Error) => err instanceof CliError && /builds the executable aloha.*aloha\/aloha is not built \(the debug build is there: --mode debug\).*--executable/s.test(err.message),
    );
  });

  it('runs a library project built with --make-so through opp_run -l, from its simulations folder', async () => {
    const model = path.join(root, 'mylib');
    await write(path.join(model, '.nedfolders'), 'src\nsimulations\n');
    await write(path.join(model, 'src', 'Makefile'), generatedMakefile('--make-so -f --deep -o mylib -O out', 'mylib', 'SHARED_LIB_SUFFIX'));
    await write(path.join(model, 'src', 'libmylib.so'), '');
    await write(path.join(model, 'simulations', 'omnetpp.ini'), '[General]\n');
    const project = await detectProject({ cwd: path.join(model, 'simulations'), repoRoot: model, iniFiles: [], mode: 'debug' });
    assert.equal(project.kind, 'library');
    assert.deepEqual(project.simulation, { executable: 'opp_run_dbg', nedPath: ['src', 'simulations'], nedExcludes: [], libraries: ['src/mylib'] });
  });

  it("reads INET's make makefiles rule before src/Makefile exists (the cluster builds it), with no .nedexclusions", async () => {
    const inet = path.join(root, 'inet-fresh');
    await inetTree(inet, { built: false });
    await assert.rejects(
      detectProject({ cwd: path.join(inet, 'examples', 'aloha'), repoRoot: inet, iniFiles: [] }),
      (err: Error) => err instanceof CliError && /libINET\.so is not built in src.*--library/s.test(err.message),
    );
    const { rm } = await import('node:fs/promises');
    await rm(path.join(inet, 'src', 'Makefile'));
    const project = await detectProject({ cwd: path.join(inet, 'examples', 'aloha'), repoRoot: inet, iniFiles: [], requireBuilt: false });
    assert.deepEqual(project.simulation, { executable: 'opp_run', nedPath: ['src', 'examples', 'showcases'], nedExcludes: [], libraries: ['src/INET'] });
    assert.match(project.detection[0] ?? '', /make makefiles` rule \(cd src && opp_makemake --make-so .*\) builds the shared library libINET\.so/);
    assert.match(project.detection[1] ?? '', /no \.nedexclusions/);
  });

  it("adds a sibling INET's NED folders and library to a model that references it (.project, -L../inet/src -lINET)", async () => {
    const work = path.join(root, 'workspace');
    await inetTree(path.join(work, 'inet'), { exclusions: true });
    await modelUsingInet(path.join(work, 'mymodel'), '../inet');
    const model = path.join(work, 'mymodel');
    const project = await detectProject({ cwd: path.join(model, 'simulations'), repoRoot: model, iniFiles: [] });
    assert.deepEqual(project.simulation, {
      executable: 'src/mymodel',
      nedPath: ['src', 'simulations', '../inet/src', '../inet/examples', '../inet/showcases'],
      nedExcludes: ['inet.examples.emulation', 'inet.showcases.emulation'],
      libraries: ['../inet/src/INET'],
    });
    assert.match(project.detection.join('\n'), /uses \.\.\/inet \(\.project references inet\): NED folders .*library \.\.\/inet\/src\/INET, because src\/Makefile/);
    await assert.rejects(
      detectProject({ cwd: path.join(model, 'simulations'), repoRoot: model, iniFiles: [], requireBuilt: false }),
      (err: Error) => err instanceof CliError && /outside the repository.*git submodule.*--local/s.test(err.message),
    );
  });

  it('finds INET in a submodule through the Makefile alone, and keeps its paths inside the repository', async () => {
    const model = path.join(root, 'submodule-model');
    await modelUsingInet(model, 'inet');
    await write(path.join(model, '.project'), '<projectDescription><name>mymodel</name></projectDescription>\n');
    await inetTree(path.join(model, 'inet'));
    const project = await detectProject({ cwd: path.join(model, 'simulations'), repoRoot: model, iniFiles: [], requireBuilt: false });
    assert.equal(project.simulation.executable, 'src/mymodel');
    assert.deepEqual(project.simulation.libraries, ['inet/src/INET']);
    assert.deepEqual(project.simulation.nedPath, ['src', 'simulations', 'inet/src', 'inet/examples', 'inet/showcases']);
    assert.match(project.detection.join('\n'), /uses inet \(the Makefile links libINET from -Linet\/src\)/);
  });

  it('runs opp_run with the libraries of the projects it uses for a project of NED and ini files only', async () => {
    const work = path.join(root, 'ned-only');
    await inetTree(path.join(work, 'inet'));
    const model = path.join(work, 'study');
    await write(path.join(model, '.nedfolders'), '.\n');
    await write(path.join(model, '.project'), '<projectDescription><name>study</name><projects><project>inet</project></projects></projectDescription>');
    await write(path.join(model, 'omnetpp.ini'), '[General]\n');
    const project = await detectProject({ cwd: model, repoRoot: undefined, iniFiles: [] });
    assert.deepEqual(project.simulation, { executable: 'opp_run', nedPath: ['.', '../inet/src', '../inet/examples', '../inet/showcases'], nedExcludes: [], libraries: ['../inet/src/INET'] });
    assert.match(project.detection[0] ?? '', /builds no code of its own/);
  });

  it("refuses a project it cannot understand, naming what it looked for and the flags, and takes the flags' word", async () => {
    const sample = path.join(root, 'unknown', 'tictoc');
    await write(path.join(sample, '.nedfolders'), '.\n');
    await write(path.join(sample, 'omnetpp.ini'), '[General]\n');
    await assert.rejects(
      detectProject({ cwd: sample, repoRoot: sample, iniFiles: [] }),
      (err: Error) => err instanceof CliError && /No simulation found.*opp_makemake.*\.oppbuildspec.*--executable <path>.*--library <path>.*--ned-path/s.test(err.message),
    );
    const flagged = await detectProject({ cwd: sample, repoRoot: sample, iniFiles: [], libraries: ['../../inet/src/INET'], nedPath: ['.:../../inet/src'] });
    assert.deepEqual(flagged.simulation, { executable: 'opp_run', nedPath: ['.', '../../inet/src'], nedExcludes: [], libraries: ['../../inet/src/INET'] });
    assert.match(flagged.detection.join('\n'), /--library.*--ned-path/s);
  });

  it("runs what INET's bin/inet launcher runs when --executable names it", async () => {
    const inet = path.join(root, 'inet-launcher');
    await inetTree(inet);
    const project = await detectProject({ cwd: path.join(inet, 'examples', 'aloha'), repoRoot: inet, iniFiles: [], executable: '../../bin/inet' });
    assert.equal(project.simulation.executable, 'opp_run');
    assert.deepEqual(project.simulation.libraries, ['src/INET']);
    assert.match(project.detection[0] ?? '', /bin\/inet, INET's launcher script/);
  });
});
