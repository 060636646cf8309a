import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { csvLine } from '../../cli/output/csv.ts';

describe('csvLine', () => {
  it('quotes fields with commas, quotes or newlines', () => assert.equal(csvLine(['a,b', 'say "hi"', 3.5, 'plain']), '"a,b","say ""hi""",3.5,plain\n'));
});
