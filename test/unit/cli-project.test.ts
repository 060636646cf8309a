import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { campaignManifests, defaultBuildCommands, goDuration, inetBuildCommands, PROJECT_DETECTION_ANNOTATION } from '../../cli/campaign/manifests.ts';
import type { Project } from '../../cli/project/detect.ts';
import { buildName, campaignName, type BuildIdentity } from '../../cli/project/naming.ts';
import { makefileExecutables, parseMakefileTarget, parseNedLayout } from '../../cli/project/parse.ts';

describe('parseNedLayout', () => {
  const cases: Array<[string, string, string, { folders: string[]; exclusions: string[] }]> = [
    ['reads one folder per line', 'src\nexamples\nshowcases\n', '', { folders: ['src', 'examples', 'showcases'], exclusions: [] }],
    ['skips comments and blank lines and trailing slashes', '# NED\n\nsrc/\n  tutorials  \n', '', { folders: ['src', 'tutorials'], exclusions: [] }],
    ['treats OMNeT++ 6 dash lines as excluded packages', 'src\n-inet.examples.emulation\n', '', { folders: ['src'], exclusions: ['inet.examples.emulation'] }],
    ['adds .nedexclusions without duplicates', 'src\n-inet.a\n', 'inet.a\ninet.b\r\n', { folders: ['src'], exclusions: ['inet.a', 'inet.b'] }],
    ['reads the project root itself as .', '.\n', '', { folders: ['.'], exclusions: [] }],
  ];
  for (const [name, folders, exclusions, expected] of cases) {
    it(name, () => assert.deepEqual(parseNedLayout(folders, exclusions), expected));
  }
});

describe('parseMakefileTarget', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['reads an OMNeT++ 6 opp_makemake target', '# Name of target to be created (-o option)\nTARGET_NAME = aloha$(D)\nTARGET = $(TARGET_NAME)$(EXE_SUFFIX)\n', 'aloha'],
    ['reads an OMNeT++ 5 opp_makemake target', 'TARGET = tictoc$(EXE_SUFFIX)\n', 'tictoc'],
    ['ignores a shared library target', 'TARGET_NAME = $(LIB_PREFIX)INET$(D)\n', undefined],
    ['ignores a Makefile without target variables', 'all:\n\tmake -C src\n', undefined],
  ];
  for (const [name, makefile, expected] of cases) {
    it(name, () => assert.equal(parseMakefileTarget(makefile), expected));
  }

  it('falls back to the first explicit rule of a hand-written Makefile', () => {
    assert.deepEqual(makefileExecutables('CC ?= cc\nOBJS = a.o\n\noppsim: $(OBJS)\n\t$(CC) -o $@\n%.o: %.c\n'), ['oppsim']);
  });

  it('prefers the opp_makemake target over the first rule', () => {
    assert.deepEqual(makefileExecutables('TARGET_NAME = aloha$(D)\nall: $(TARGET_FILES)\nmsgheaders:\n'), ['aloha', 'msgheaders']);
  });
});

const identity: BuildIdentity = {
  repository: 'git@github.com:inet-framework/inet.git',
  revision: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  omnetppVersion: '6.1',
  mode: 'release',
  commands: inetBuildCommands,
};

describe('buildName', () => {
  it('is the same for the same inputs, so a commit is built once', () => {
    assert.equal(buildName(identity), buildName({ ...identity, commands: [...identity.commands] }));
  });

  it('names repository and commit: inet-<repo>-<rev7>-<hash8>', () => {
    assert.match(buildName({ ...identity, repository: 'https://gitlab.example.org/lab/aloha-model.git' }), /^inet-aloha-model-a1b2c3d-[0-9a-f]{8}$/);
    assert.match(buildName(identity), /^inet-a1b2c3d-[0-9a-f]{8}$/);
  });

  const changes: Array<[string, Partial<BuildIdentity>]> = [
    ['repository', { repository: 'https://github.com/me/inet.git' }],
    ['revision', { revision: 'a1b2c3d4e5f60718293a4b5c6d7e8f90123456ff' }],
    ['OMNeT++ version', { omnetppVersion: '6.0.3' }],
    ['mode', { mode: 'debug' }],
    ['commands', { commands: ['make'] }],
    ['credentials Secret', { credentialsSecret: 'git-token' }],
  ];
  for (const [what, change] of changes) {
    it(`changes when the ${what} changes`, () => assert.notEqual(buildName({ ...identity, ...change }), buildName(identity)));
  }

  it('stays what it was for a build without a credentials Secret', () => {
    assert.equal(buildName({ ...identity, credentialsSecret: undefined }), buildName(identity));
  });

  const awkward = [
    'https://host/group/A_Very.Long_Repository.Name.With.Many.Parts.And.More.Words.git',
    'git@host:x/--weird--.git',
    'file:///srv/UPPER CASE',
  ];
  for (const repository of awkward) {
    it(`is a valid object name of at most 52 characters for ${repository}`, () => {
      const name = buildName({ ...identity, repository });
      assert.ok(name.length <= 52, name);
      assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    });
  }
});

describe('campaignName', () => {
  it('is the config and the UTC start time', () => {
    assert.equal(campaignName('PureAlohaExperiment', new Date('2026-11-21T20:45:00.123Z')), 'purealohaexperiment-20261121-204500');
  });
  it('stays a valid name for configs with odd characters', () => {
    const name = campaignName('My Config_with.dots and a very long name indeed', new Date('2026-01-02T03:04:05Z'));
    assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    assert.ok(name.length <= 47, name);
  });
});

const standalone: Project = {
  kind: 'standalone',
  root: '/home/me/model',
  workingDir: 'simulations/aloha',
  iniFiles: ['omnetpp.ini'],
  simulation: { executable: 'simulations/aloha/aloha', nedPath: [], nedExcludes: [], libraries: [] },
  detection: ['runs simulations/aloha/aloha: Makefile (generated by opp_makemake) builds the executable aloha (no --make-so)'],
};
const inet: Project = {
  kind: 'library',
  root: '/home/me/inet',
  workingDir: 'examples/aloha',
  iniFiles: ['omnetpp.ini', 'extra.ini'],
  simulation: { executable: 'opp_run', nedPath: ['src', 'examples'], nedExcludes: ['inet.emulation'], libraries: ['src/INET'] },
  detection: ['runs opp_run -l src/INET: src/libINET.so is built there', 'NED folders: src, examples (from .nedfolders)'],
};

describe('campaignManifests', () => {
  const base = {
    namespace: 'sims',
    repository: 'https://github.com/inet-framework/inet.git',
    revision: identity.revision,
    config: 'Aloha',
    extraArgs: ['--sim-time-limit=10s'],
    omnetppVersion: '6.1',
    mode: 'release' as const,
    maxAttempts: 3,
    retrySimulationErrors: false,
    now: new Date('2026-11-21T20:45:00Z'),
  };

  it('names the --git-credentials Secret in the build\'s source, and nothing else of it', () => {
    const { build, campaign } = campaignManifests({ ...base, project: inet, credentialsSecret: 'git-token' });
    assert.deepEqual(build.spec.source, { repository: base.repository, revision: base.revision, credentialsSecretRef: { name: 'git-token' } });
    assert.ok(!JSON.stringify(campaign).includes('git-token'));
  });

  it("puts --include into the campaign's results.include, and leaves the CRD's default without it", () => {
    assert.deepEqual(campaignManifests({ ...base, project: inet, include: ['*.{sca,vec}'] }).campaign.spec.results, { include: ['*.{sca,vec}'] });
    assert.equal(campaignManifests({ ...base, project: inet }).campaign.spec.results, undefined);
  });

  it('points the campaign at the build and carries the INET simulation command', () => {
    const { build, campaign } = campaignManifests({ ...base, project: inet, runFilter: '$numHosts>10', runTimeoutMs: 90_000, parallelism: 8 });
    assert.equal(build.kind, 'InetBuild');
    assert.equal(build.apiVersion, 'inetswarm.dev/v1alpha1');
    assert.deepEqual(build.spec.source, { repository: base.repository, revision: base.revision });
    assert.deepEqual(build.spec.commands, inetBuildCommands);
    assert.equal(build.metadata.namespace, 'sims');
    assert.equal(campaign.kind, 'SimulationCampaign');
    assert.equal(campaign.metadata.name, 'aloha-20261121-204500');
    assert.equal(campaign.spec.buildRef.name, build.metadata.name);
    assert.equal(campaign.spec.workingDir, 'examples/aloha');
    assert.deepEqual(campaign.spec.iniFiles, ['omnetpp.ini', 'extra.ini']);
    assert.equal(campaign.spec.runFilter, '$numHosts>10');
    assert.deepEqual(campaign.spec.simulation, {
      executable: 'opp_run',
      nedPath: ['src', 'examples'],
      nedExclusions: ['inet.emulation'],
      libraries: ['src/INET'],
      extraArgs: ['--sim-time-limit=10s'],
    });
    assert.deepEqual(campaign.spec.execution, { parallelism: 8, runTimeout: '90s', maxAttempts: 3, retrySimulationErrors: false });
  });

  it('builds a standalone model with opp_makemake and make in its folder', () => {
    const { build, campaign } = campaignManifests({ ...base, project: standalone });
    assert.deepEqual(build.spec.commands, defaultBuildCommands(standalone));
    assert.match(build.spec.commands?.[0] ?? '', /^cd 'simulations\/aloha' && .*opp_makemake -f --deep -o 'aloha'.*make MODE=\$MODE/);
    assert.equal(campaign.spec.simulation?.executable, 'simulations/aloha/aloha');
    assert.equal(campaign.spec.simulation?.nedPath, undefined);
  });

  it('records on the campaign why the project runs as it does, in one line', () => {
    const { campaign } = campaignManifests({ ...base, project: inet });
    assert.equal(
      campaign.metadata.annotations?.[PROJECT_DETECTION_ANNOTATION],
      'runs opp_run -l src/INET: src/libINET.so is built there; NED folders: src, examples (from .nedfolders)',
    );
  });

  it('reuses the build of an earlier campaign of the same commit', () => {
    const first = campaignManifests({ ...base, project: inet });
    const later = campaignManifests({ ...base, project: inet, config: 'Other', now: new Date('2026-12-01T00:00:00Z') });
    assert.equal(later.build.metadata.name, first.build.metadata.name);
    assert.notEqual(later.campaign.metadata.name, first.campaign.metadata.name);
  });

  it('names a new build with --rebuild', () => {
    const first = campaignManifests({ ...base, project: inet });
    const rebuilt = campaignManifests({ ...base, project: inet, rebuildNonce: '2026-11-21T20:45:00Z' });
    assert.notEqual(rebuilt.build.metadata.name, first.build.metadata.name);
  });

  it('uses explicit build commands instead of the defaults', () => {
    const { build } = campaignManifests({ ...base, project: inet, buildCommands: ['make -C src'] });
    assert.deepEqual(build.spec.commands, ['make -C src']);
  });
});

describe('goDuration', () => {
  const cases: Array<[number, string]> = [
    [1000, '1s'],
    [90_000, '90s'],
    [1500, '1500ms'],
  ];
  for (const [ms, text] of cases) it(`formats ${ms} ms as ${text}`, () => assert.equal(goDuration(ms), text));
});
