import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGeneratedMakefile, parseMakefilesRule, parseMakemakeOptions, type MakemakeOptions } from '../../cli/project/makefile.ts';

describe('parseMakemakeOptions', () => {
  const cases: Array<[string, string, MakemakeOptions]> = [
    ['reads an executable with its -o name', '-f --deep -o aloha -O out', { kind: 'executable', name: 'aloha', libPaths: [], libs: [] }],
    ['reads --make-so as a shared library', '--make-so -f --deep -o INET -O out -pINET -I.', { kind: 'shared-library', name: 'INET', libPaths: [], libs: [] }],
    ['reads -s, --make-lib and --nolink', '-s -oX', { kind: 'shared-library', name: 'X', libPaths: [], libs: [] }],
    ['reads a static library', '--make-lib -o core', { kind: 'static-library', name: 'core', libPaths: [], libs: [] }],
    ['reads a folder that links nothing', '--nolink -O out -d src', { kind: 'nolink', libPaths: [], libs: [] }],
    [
      'expands -K variables in -L and drops $(D) from -l',
      '--make-so -o simu5g -KINET_PROJ=../../inet -L$(INET_PROJ)/src -lINET$(D)',
      { kind: 'shared-library', name: 'simu5g', libPaths: ['../../inet/src'], libs: ['INET'] },
    ],
    ['reads the $$\\(VAR\\) escapes of a Makefile rule', '-KP=../inet -L$$\\(P\\)/src -lINET$$\\(D\\)', { kind: 'executable', libPaths: ['../inet/src'], libs: ['INET'] }],
    ['leaves out a -L through an unknown variable', '-L$(NOWHERE)/src -lINET', { kind: 'executable', libPaths: [], libs: ['INET'] }],
    ['reads separated -L and -l values', '-L ../inet/src -l INET', { kind: 'executable', libPaths: ['../inet/src'], libs: ['INET'] }],
  ];
  for (const [name, line, expected] of cases) it(name, () => assert.deepEqual(parseMakemakeOptions(line), expected));
});

describe('parseGeneratedMakefile', () => {
  const cases: Array<[string, string, Partial<MakemakeOptions> | undefined]> = [
    ['reads an OMNeT++ 6 executable', 'TARGET_NAME = aloha$(D)\nTARGET = $(TARGET_NAME)$(EXE_SUFFIX)\n', { kind: 'executable', name: 'aloha' }],
    ['reads an OMNeT++ 6 shared library', 'TARGET_NAME = $(LIB_PREFIX)INET$(D)\nTARGET = $(TARGET_NAME)$(SHARED_LIB_SUFFIX)\n', { kind: 'shared-library', name: 'INET' }],
    ['reads an OMNeT++ 5 executable', 'TARGET = tictoc$(EXE_SUFFIX)\n', { kind: 'executable', name: 'tictoc' }],
    ['reads an OMNeT++ 4 library named lib...', 'TARGET = libinet$(SHARED_LIB_SUFFIX)\n', { kind: 'shared-library', name: 'inet' }],
    ['reads a static library', 'TARGET = $(LIB_PREFIX)core$(D)$(A_LIB_SUFFIX)\n', { kind: 'static-library', name: 'core' }],
    ['is not a hand-written Makefile', 'oppsim: main.o\n\tcc -o $@ main.o\n', undefined],
    ['is not a Makefile that only calls opp_makemake', 'makefiles:\n\tcd src && opp_makemake --make-so -o INET\n', undefined],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => {
      const parsed = parseGeneratedMakefile(text);
      if (expected === undefined) assert.equal(parsed, undefined);
      else assert.deepEqual({ kind: parsed?.kind, name: parsed?.name }, expected);
    });
  }

  it('reads the linked libraries from LIBS, with the -K variables of the file', () => {
    const text = [
      '# This file was generated with the command:',
      '#  opp_makemake -f --deep -o mymodel -KINET_PROJ=../../inet -L$(INET_PROJ)/src -lINET$(D)',
      'TARGET_NAME = mymodel$(D)',
      'TARGET = $(TARGET_NAME)$(EXE_SUFFIX)',
      'LIBS = $(LDFLAG_LIBPATH)$(INET_PROJ)/src  -lINET$(D)',
      'LIBS += -Wl,-rpath,`abspath $(INET_PROJ)/src`',
      'INET_PROJ=../../inet',
    ].join('\n');
    assert.deepEqual(parseGeneratedMakefile(text), {
      kind: 'executable',
      name: 'mymodel',
      libPaths: ['../../inet/src'],
      libs: ['INET'],
      command: '-f --deep -o mymodel -KINET_PROJ=../../inet -L$(INET_PROJ)/src -lINET$(D)',
    });
  });

  it('takes the kind from the command line when the target says nothing of it', () => {
    const text = '# This file was generated with the command:\n#  opp_makemake --make-so -o foo\nTARGET_NAME = foo\n';
    assert.equal(parseGeneratedMakefile(text)?.kind, 'shared-library');
  });
});

describe('parseMakefilesRule', () => {
  it("follows make makefiles to the rule that runs opp_makemake in src, with the Makefile's options", () => {
    const text = 'MAKEMAKE_OPTIONS := -f --deep -o INET -O out -pINET -I.\n\nmakefiles: makefiles-so\n\nmakefiles-so: checkenvir\n\t@FEATURE_OPTIONS=$$(opp_featuretool options -f -l) && cd src && opp_makemake --make-so $(MAKEMAKE_OPTIONS) $$FEATURE_OPTIONS\n\nmakefiles-exe:\n\t@cd src && opp_makemake $(MAKEMAKE_OPTIONS)\n';
    const rule = parseMakefilesRule(text);
    assert.equal(rule?.dir, 'src');
    assert.deepEqual(rule?.options, { kind: 'shared-library', name: 'INET', libPaths: [], libs: [] });
  });

  it('reads an opp_makemake call without a cd as the Makefile folder', () => {
    assert.equal(parseMakefilesRule('makefiles:\n\topp_makemake -f --deep -o sim\n')?.dir, '.');
  });

  it('is undefined for a Makefile that never runs opp_makemake', () => {
    assert.equal(parseMakefilesRule('all:\n\tmake -C src\n'), undefined);
  });
});
