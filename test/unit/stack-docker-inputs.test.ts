// The stack's reading of Dockerfiles and apt sources (test/stack/docker/inputs.ts): what its image cache keys and
// local bases are derived from.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { copiedSources, debianMirror, debianRelease, dockerfileArg, nodeVersion } from '../stack/docker/inputs.ts';

const IMAGES = join(import.meta.dirname, '..', '..', 'images');

describe('stack docker inputs', () => {
  it('lists the context paths a Dockerfile copies, not those copied from a stage', async () => {
    const text = await readFile(join(IMAGES, 'Dockerfile.runner-base'), 'utf8');
    assert.deepEqual(copiedSources(text), ['api', 'lib', 'lib/engine/launcher.c', 'package-lock.json', 'package.json', 'pods', 'tsconfig.json']);
    assert.deepEqual(copiedSources('COPY --chown=1:1 a \\\n  b /dst/\nADD c /x\nCOPY --from=app /app /app\n'), ['a', 'b', 'c']);
  });

  it('reads the Debian release and Node.js version the Dockerfiles name', async () => {
    const operator = await readFile(join(IMAGES, 'Dockerfile.operator'), 'utf8');
    assert.equal(nodeVersion(dockerfileArg(operator, 'NODE_IMAGE')), '22.20.0');
    assert.equal(debianRelease('debian:bookworm-20250929-slim'), 'bookworm');
    assert.throws(() => dockerfileArg(operator, 'NO_SUCH_ARG'), /no default for ARG NO_SUCH_ARG/);
  });

  it("finds the release's mirror in one-line and deb822 sources", () => {
    assert.equal(debianMirror('# c\ndeb [arch=amd64] http://m.example/debian bookworm main\n', 'bookworm'), 'http://m.example/debian');
    const deb822 = 'Types: deb\nURIs: http://a.example/debian-security\nSuites: bookworm-security\n\nTypes: deb\nURIs: http://b.example/debian\nSuites: bookworm bookworm-updates\n';
    assert.equal(debianMirror(deb822, 'bookworm'), 'http://b.example/debian');
    assert.equal(debianMirror(deb822, 'trixie'), undefined);
  });
});
