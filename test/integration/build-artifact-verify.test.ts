// The operator checks a build's artifact itself before the build may succeed:
// the builder's record lives in a store the namespace's own pods can write,
// so it is a claim. On the stack's store (FerretDB) and API server, with the
// operator as a child process: an artifact is verified only when this
// namespace stored it with the claimed size and content; a build whose record
// claims anything else fails as ArtifactUnverified with a Warning Event.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { GridFSBucket } from 'mongodb';
import { ARTIFACTS_BUCKET, uploadArtifact, verifyStoredArtifact } from '../../lib/store/artifacts.ts';
import { fixtureArchive } from '../support/runner-harness.ts';
import { useStack } from '../stack/env.ts';
import { CampaignWorld } from '../support/campaign.ts';
import type { InetBuild } from '../../api/v1alpha1.ts';

let world: CampaignWorld;

before(async () => {
  world = new CampaignWorld(await useStack(), 'artifact-verify');
  await world.setUp();
});

after(async () => {
  await world?.tearDown();
});

async function storeForged(digest: string, content: Buffer, namespace: string): Promise<void> {
  const upload = new GridFSBucket(world.db, { bucketName: ARTIFACTS_BUCKET }).openUploadStream(digest, { metadata: { digest, size: content.length, namespace } });
  await new Promise((resolve, reject) => upload.once('error', reject).end(content, () => resolve(undefined)));
}

describe('verifyStoredArtifact', () => {
  it('verifies an artifact this namespace stored with the claimed size and digest', async () => {
    assert.deepEqual(await verifyStoredArtifact(world.db, { digest: world.digest, size: world.artifactSize }, world.namespace), { verified: true });
  });

  it('refuses a claim of another size', async () => {
    const check = await verifyStoredArtifact(world.db, { digest: world.digest, size: world.artifactSize + 1 }, world.namespace);
    assert.equal(check.verified, false);
    assert.match(check.verified ? '' : check.problem, /has \d+ bytes, the builder claimed/);
  });

  it("refuses an artifact another namespace stored, though its content is right", async () => {
    const { archive } = await fixtureArchive();
    const other = await uploadArtifact(world.db, archive, { namespace: `${world.namespace}-other`, build: 'b' });
    const check = await verifyStoredArtifact(world.db, other, `${world.namespace}-third`);
    assert.equal(check.verified, false);
    assert.match(check.verified ? '' : check.problem, /No artifact sha256:[0-9a-f]{64} was stored by a build of namespace/);
  });

  it('refuses an artifact whose content does not have its digest', async () => {
    const digest = `sha256:${randomBytes(32).toString('hex')}`;
    const content = randomBytes(2048);
    await storeForged(digest, content, world.namespace);
    const check = await verifyStoredArtifact(world.db, { digest, size: content.length }, world.namespace);
    assert.equal(check.verified, false);
    assert.match(check.verified ? '' : check.problem, /as stored has digest sha256:/);
  });
});

describe('the InetBuild controller', { timeout: 300_000 }, () => {
  before(async () => {
    await world.startOperator();
  });

  async function buildWhere(name: string, until: (b: InetBuild) => boolean): Promise<InetBuild> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const build = (await world.custom.getNamespacedCustomObject({ group: 'inetswarm.dev', version: 'v1alpha1', namespace: world.namespace, plural: 'inetbuilds', name })) as InetBuild;
      if (until(build)) return build;
      if (Date.now() > deadline) throw new Error(`build ${name} stayed ${JSON.stringify(build.status)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  it('marks a build Succeeded once it verified the artifact its record claims', async () => {
    await world.createReadyBuild('honest');
    const build = await buildWhere('honest', (b) => b.status?.phase === 'Succeeded' || b.status?.phase === 'Failed');
    assert.equal(build.status?.phase, 'Succeeded');
    assert.equal(build.status?.artifact?.digest, world.digest);
  });

  it('fails a build whose record claims an artifact of corrupt content, with the reason and a Warning Event', async () => {
    const digest = `sha256:${randomBytes(32).toString('hex')}`;
    const content = randomBytes(1024);
    await storeForged(digest, content, world.namespace);
    await world.createReadyBuild('forged', undefined, { digest, size: content.length });
    const build = await buildWhere('forged', (b) => b.status?.phase === 'Succeeded' || b.status?.phase === 'Failed');
    assert.equal(build.status?.phase, 'Failed');
    assert.equal(build.status?.failure?.reason, 'ArtifactUnverified');
    assert.ok((await world.events('forged')).includes('ArtifactUnverified'));
  });
});
