import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBuildSpec, parseEclipseProject } from '../../cli/project/eclipse.ts';

describe('parseEclipseProject', () => {
  it("reads the project's own name and the projects it references", () => {
    const xml = '<?xml version="1.0"?>\n<projectDescription>\n\t<name>simu5g</name>\n\t<projects>\n\t\t<project>inet4.5</project>\n\t</projects>\n\t<buildSpec><buildCommand><name>org.eclipse.cdt.Builder</name></buildCommand></buildSpec>\n</projectDescription>\n';
    assert.deepEqual(parseEclipseProject(xml), { name: 'simu5g', references: ['inet4.5'] });
  });

  it('reads a project without references and skips comments', () => {
    assert.deepEqual(parseEclipseProject('<projectDescription><!-- <name>old</name> --><name>aloha</name><projects/></projectDescription>'), { name: 'aloha', references: [] });
  });
});

describe('parseBuildSpec', () => {
  it('reads the makemake folders with their options, decoding entities, and skips custom ones', () => {
    const xml = '<buildspec version="4.0">\n<dir makemake-options="--make-so --deep -o INET -O out -KX=&quot;a&quot;" path="src" type="makemake"/>\n<dir path="." type="custom"/>\n</buildspec>\n';
    assert.deepEqual(parseBuildSpec(xml), [{ path: 'src', makemakeOptions: '--make-so --deep -o INET -O out -KX="a"' }]);
  });
});
