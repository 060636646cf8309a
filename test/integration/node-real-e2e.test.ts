// End to end on the stack's real node, as a user's first campaign runs: the
// chart installed with helm (the operator Deployment in the operator image,
// its ServiceAccount, RBAC and NetworkPolicies; NATS and MongoDB external,
// the stack's own servers as pods reach them); an InetBuild whose builder pod
// (builder base image) clones the fixture model from a git daemon and builds
// it, beside the distccd DaemonSet's pod in the distccd image; `inet-swarm
// run` from a checkout whose origin is that daemon, whose runner pods (runner
// base image) store every run, and whose results/ are opp_runall's. The
// builder finds the distccd pod through the node's cluster DNS
// (test/stack/node/dns.ts), as it finds CoreDNS on a real cluster. Every
// program here runs in its container, started by the kubelet: no test starts
// a pod template's command. The stack's CNI bridge enforces no
// NetworkPolicy, so the policies are installed and listed, not tested.
// The chart's results service runs there too and is registered as the
// aggregated API: the API server reaches its pod's address on the bridge
// (--enable-aggregator-routing), and `kubectl get --raw` reads the campaign
// that ran; `helm uninstall` then takes the APIService away.
//
// Node kind: the real node (kubelet + containerd), not the kwok nodes.
import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiregistrationV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { RESULTS_GROUP, RESULTS_VERSION, campaignPath, type CampaignSummary } from '../../api/results.ts';
import type { InetBuild } from '../../api/v1alpha1.ts';
import { buildFixture, makeFixtureRepo, runLikeOppRunall } from '../fixtures/fixture.ts';
import { useStack } from '../stack/env.ts';
import { CampaignWorld, eventually } from '../support/campaign.ts';
import { cliEnv, collect, git, spawnCli, withoutElapsed, type CliRun } from '../support/cli.ts';
import { notYet } from '../support/eventually.ts';
import { installOnRealNode, startGitDaemon, type GitDaemon, type RealRelease } from '../support/real-release.ts';
import { getAs, serviceAccountKubeconfig } from '../support/results-service.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../../api/labels.ts';

const GROUP = { group: 'inetswarm.dev', version: 'v1alpha1' } as const;
const APISERVICE = `${RESULTS_VERSION}.${RESULTS_GROUP}`;
const stack = await useStack({ realNode: true });
const world = new CampaignWorld(stack, 'real-e2e');
let release: RealRelease;
let daemon: GitDaemon | undefined;
let repoDir = '';
let executable = '';

function cli(args: string[]): Promise<CliRun> {
  const env = cliEnv({ KUBECONFIG: stack.kubeconfig, INETSWARM_MONGO_URI: stack.mongo.uri, INETSWARM_MONGO_DATABASE: world.database });
  return collect(spawnCli([...args, '-n', world.namespace], { cwd: repoDir, env }));
}

function registration(): ApiregistrationV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(stack.kubeconfig);
  return kc.makeApiClient(ApiregistrationV1Api);
}

async function podsLabelled(selector: string): Promise<V1Pod[]> {
  return (await world.core.listNamespacedPod({ namespace: world.namespace, labelSelector: selector })).items;
}

async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
}

before(async () => {
  await world.setUp();
  release = await installOnRealNode(world, { results: true });
  const fixture = await makeFixtureRepo({ dir: path.join(world.dir, 'model'), bare: true });
  repoDir = fixture.repoDir;
  // The bare remote served by a git daemon where the builder pod clones it; the checkout's origin names it.
  const served = path.join(world.dir, 'git');
  await git(world.dir, 'clone', '-q', '--bare', fixture.remoteDir ?? '', path.join(served, 'model.git'));
  daemon = await startGitDaemon(served, release.node.gateway);
  await git(repoDir, 'remote', 'set-url', 'origin', daemon.url('model.git'));
  await git(repoDir, 'fetch', '-q', 'origin');
  executable = (await buildFixture(repoDir)).executable;
});

after(async () => {
  // While the operator still runs, so that its finalizer lets the campaigns go.
  await world.kubectl('delete', 'simulationcampaigns', '--all', '-n', world.namespace, '--wait=true', '--timeout=30s').catch(() => undefined);
  await release?.uninstall();
  await daemon?.stop();
  await world.tearDown();
});

describe('inet-swarm on the real node', { timeout: 600_000 }, () => {
  let buildName = '';
  let campaignName = '';

  it('runs the operator image as the chart\'s Deployment on the real node, with the chart\'s ServiceAccount', async () => {
    const pod = await release.operatorPod();
    assert.equal(pod.spec?.nodeName, release.node.name);
    const container = pod.spec?.containers[0];
    assert.equal(container?.image, release.images.operator);
    assert.equal(container?.command, undefined, 'the image\'s entrypoint (tini) starts the operator');
    assert.equal(pod.spec?.serviceAccountName, `${release.release}-inet-swarm`);
    assert.equal(pod.status?.containerStatuses?.[0]?.restartCount, 0);
  });

  it('builds the fixture from the git daemon in the builder image, beside the distccd DaemonSet\'s pod in its image', async () => {
    const dry = await cli(['--json', 'run', '--dry-run', '-c', 'Aloha']);
    assert.equal(dry.code, 0, dry.stderr);
    const build = (JSON.parse(dry.stdout) as { build: InetBuild }).build;
    assert.equal(build.spec.source.repository, daemon?.url('model.git'));
    // The node has two cores: the builder asks for one (its default is two), as a user of a small cluster sets it.
    build.spec.builder = { cpu: '1', memory: '1Gi' };
    buildName = build.metadata.name ?? '';
    await world.custom.createNamespacedCustomObject({ ...GROUP, namespace: world.namespace, plural: 'inetbuilds', body: build });
    const done = await eventually('the build succeeds', async () => {
      const b = (await world.custom.getNamespacedCustomObject({ ...GROUP, namespace: world.namespace, plural: 'inetbuilds', name: buildName })) as InetBuild;
      return b.status?.phase === 'Succeeded' || b.status?.phase === 'Failed' ? b : notYet(b.status);
    }, 300_000, 1000);
    assert.equal(done.status?.phase, 'Succeeded', JSON.stringify(done.status));
    assert.match(done.status?.artifact?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    // The operator wrote the namespace's policy set before the builder's Job (listed, not enforced: see above).
    // The operator's policies (labelled as its own); the chart's results Deployment has one of its own in this namespace.
    const policies = await world.kubectl('get', 'networkpolicies', '-n', world.namespace, '-l', `${MANAGED_BY_LABEL}=${MANAGED_BY}`, '-o', 'jsonpath={.items[*].metadata.name}');
    assert.deepEqual(policies.split(' ').sort(), ['inet-swarm-builder', 'inet-swarm-default-deny', 'inet-swarm-distccd', 'inet-swarm-runner'], policies);

    // The build is marked from the store's record, which the builder writes just before it exits.
    const builder = await eventually('the builder pod has exited', async () => {
      const [pod] = await podsLabelled(`job-name=${buildName}-build`);
      return pod?.status?.containerStatuses?.[0]?.state?.terminated ? pod : notYet(pod?.status);
    });
    assert.equal(builder.spec?.nodeName, release.node.name);
    assert.equal(builder.spec?.containers[0]?.image, release.images.builder);
    assert.equal(builder.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'Completed');
    const log = await world.core.readNamespacedPodLog({ name: builder.metadata?.name ?? '', namespace: world.namespace });
    assert.match(log, /Checked out revision/);
    // The distccd pod, found through the cluster DNS by the headless Service's name, compiled what distcc sent it.
    assert.match(log, /"peers":1,.*"msg":"Compiling with distcc"/, log.slice(-3000));
    assert.doesNotMatch(log, /failed to distribute|compiling locally/i, log.slice(-3000));

    const distccd = await eventually('the distccd pod is Ready on the real node', async () => {
      const pods = await podsLabelled('app.kubernetes.io/name=inet-swarm-distcc');
      const ready = pods.find((p) => p.spec?.nodeName === release.node.name && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready ?? notYet(pods.map((p) => [p.spec?.nodeName, p.status?.containerStatuses]));
    });
    assert.equal(distccd.spec?.containers[0]?.image, release.images.distccd);
  });

  it('runs a campaign from the checkout in runner pods and puts results/ as opp_runall leaves them', async () => {
    const result = await cli(['--json', 'run', '-c', 'Aloha', '-r', '0..5', '-j', '1']);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as { total: number; succeeded: number; failed: unknown[]; files: number; campaign: string };
    assert.deepEqual([summary.total, summary.succeeded, summary.failed.length, summary.files], [6, 6, 0, 24], result.stdout);
    assert.match(result.stderr, new RegExp(`${buildName}`), 'the campaign reuses the build of the commit');
    campaignName = summary.campaign;

    const runners = await podsLabelled(`inetswarm.dev/campaign=${summary.campaign}`);
    assert.ok(runners.length > 0);
    for (const pod of runners) {
      assert.equal(pod.spec?.nodeName, release.node.name);
      assert.equal(pod.spec?.containers[0]?.image, release.images.runner);
    }

    const expectedDir = await runLikeOppRunall(executable, path.join(world.dir, 'direct'), ['-c', 'Aloha', '-r', '0..5']);
    const actualDir = path.join(repoDir, 'results');
    const expected = await listing(expectedDir);
    assert.equal(expected.length, 24);
    assert.deepEqual(await listing(actualDir), expected);
    for (const name of expected) {
      const [actual, wanted] = await Promise.all([readFile(path.join(actualDir, name), 'utf8'), readFile(path.join(expectedDir, name), 'utf8')]);
      if (name.endsWith('.out')) assert.equal(withoutElapsed(actual), withoutElapsed(wanted), `${name} is opp_runall's but for wall-clock times`);
      else if (name.endsWith('.vci')) {
        // Its first line names the .vec's size and mtime: the mtime is when the pod wrote it, which the download keeps.
        const [head = '', ...rest] = actual.split('\n');
        const [wantedHead = '', ...wantedRest] = wanted.split('\n');
        assert.deepEqual(rest, wantedRest, `${name} is opp_runall's after its first line`);
        const vec = await stat(path.join(actualDir, name.replace(/\.vci$/, '.vec')));
        // OMNeT++ pads the line with blanks, so that the header can be rewritten in place.
        assert.equal(head.trimEnd(), `file ${vec.size} ${Math.floor(vec.mtimeMs / 1000)}`, `${name} names its .vec`);
        assert.deepEqual([head.length, head.split(' ')[1]], [wantedHead.length, wantedHead.split(' ')[1]], `${name}: opp_runall's padding and .vec size`);
      } else assert.equal(actual, wanted, `${name} is identical to opp_runall's`);
    }
  });

  it("serves the campaign's summary from the chart's results Deployment through the API server, and a 403 to an account with no rights", async () => {
    const pod = await release.resultsPod();
    assert.equal(pod.spec?.nodeName, release.node.name);
    const container = pod.spec?.containers[0];
    assert.equal(container?.image, release.images.operator);
    assert.deepEqual([container?.command, container?.args], [undefined, ['node', 'service/main.js']]);
    assert.equal(pod.spec?.serviceAccountName, `${release.release}-inet-swarm-results`);
    assert.equal(pod.status?.containerStatuses?.[0]?.restartCount, 0);
    await eventually('the results APIService is Available', async () => {
      const service = await registration().readAPIService({ name: APISERVICE });
      const available = service.status?.conditions?.find((c) => c.type === 'Available');
      return available?.status === 'True' || notYet(available?.message ?? 'no condition');
    }, 120_000);

    const raw = await world.kubectl('get', '--raw', campaignPath(world.namespace, campaignName));
    const campaign = JSON.parse(raw) as CampaignSummary;
    assert.deepEqual(
      [campaign.namespace, campaign.name, campaign.phase, campaign.deleted, campaign.runs],
      [world.namespace, campaignName, 'Succeeded', false, { total: 6, succeeded: 6, failed: 0, running: 0, pending: 0 }],
      raw,
    );
    const nobody = await serviceAccountKubeconfig(stack, world.namespace, 'nobody', world.dir);
    const denied = await getAs(nobody, campaignPath(world.namespace, campaignName));
    assert.equal(denied.status, 403, denied.body.toString());
    // The service's own answer (its SubjectAccessReview), not the API server's: every authenticated user reaches it.
    assert.match(denied.body.toString(), /cannot get simulationcampaigns\.inetswarm\.dev in the namespace/);
  });

  it('helm uninstall removes the APIService, so that namespaces still delete', async () => {
    await world.kubectl('delete', 'simulationcampaigns', '--all', '-n', world.namespace, '--wait=true', '--timeout=60s');
    await release.uninstall();
    await eventually('the APIService is gone', async () =>
      registration().readAPIService({ name: APISERVICE }).then((s) => notYet(s.status), () => true));
    const scratch = `${world.namespace}-gone`;
    await world.core.createNamespace({ body: { metadata: { name: scratch } } });
    await world.core.deleteNamespace({ name: scratch });
    await eventually('a namespace deletes', async () =>
      world.core.readNamespace({ name: scratch }).then((n) => notYet(n.status), () => true), 120_000);
  });
});
