import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { leadingFields, scalarTally } from '../../cli/data/csv-r.ts';

describe('scalarTally', () => {
  it('counts the scalar rows and their runs of a CSV-R export fed in pieces cut anywhere', () => {
    const text = [
      'run,type,module,name,attrname,attrvalue,value',
      'Aloha-0-2026,runattr,,,configname,Aloha,',
      'Aloha-0-2026,itervar,,,n,"1,5",',
      'Aloha-0-2026,scalar,Aloha.server,collisions,,,3',
      'Aloha-0-2026,attr,Aloha.server,collisions,unit,s,',
      '"Aloha-1-""q""",scalar,Aloha.server,collisions,,,4',
      '"Aloha-1-""q""",scalar,Aloha.server,"a,b",,,5',
      '',
    ].join('\r\n');
    for (const cut of [1, 7, 50, text.length]) {
      const tally = scalarTally();
      for (let i = 0; i < text.length; i += cut) tally.push(text.slice(i, i + cut));
      assert.deepEqual(tally.result(), { rows: 3, runs: 2 }, `pieces of ${cut}`);
    }
  });
  it('counts nothing in an export of no runs', () => {
    const tally = scalarTally();
    tally.push('run,type,module,name,attrname,attrvalue,value\n');
    assert.deepEqual(tally.result(), { rows: 0, runs: 0 });
  });
});

describe('leadingFields', () => {
  it('unquotes fields with commas and doubled quotes', () => assert.deepEqual(leadingFields('"a,""b""",c,d', 2), ['a,"b"', 'c']));
  it('gives empty fields as empty strings', () => assert.deepEqual(leadingFields(',scalar', 2), ['', 'scalar']));
});
