// What the active work asks of the runner pool, from the campaigns' and
// builds' own objects: pure, shared by the capacity controller's decision and
// `inet-swarm cluster status`.
import { isTerminalCampaignPhase } from '../../api/phases.ts';

/** One campaign's share of the demand, taken from its status and spec. */
export interface CampaignDemand {
  /** Runs waiting for a runner (including the plan task of a campaign that is not planned yet). */
  pendingRuns: number;
  /** Runs being executed now. */
  runningRuns: number;
  /** Upper bound on the campaign's runner pods (spec.execution.parallelism); undefined means no bound. */
  parallelism?: number;
  /** Cores requested by one runner pod. */
  cpu: number;
}

/** One build in progress: one builder pod. */
export interface BuildDemand {
  cpu: number;
}

/** The demand summed over all campaigns and builds. */
export interface DemandSummary {
  queuedRuns: number;
  runningRuns: number;
  activeBuilds: number;
  /** Pods the work needs at once (runner pods bounded by parallelism, plus builders). */
  pods: number;
  /** Node-fractions the pods fill, before rounding up. */
  nodeFraction: number;
  /** The largest single pod request, to detect a pod that fits on no node. */
  largestPodCpu: number;
}

/** Sums the demand of campaigns and builds; runner pods are bounded by each campaign's parallelism. */
export function summarizeDemand(
  campaigns: CampaignDemand[],
  builds: BuildDemand[],
  allocatableCpuPerNode: number,
): DemandSummary {
  let queuedRuns = 0;
  let runningRuns = 0;
  let pods = 0;
  let nodeFraction = 0;
  let largestPodCpu = 0;
  for (const c of campaigns) {
    const pending = Math.max(0, c.pendingRuns);
    const running = Math.max(0, c.runningRuns);
    queuedRuns += pending;
    runningRuns += running;
    const wanted = pending + running;
    const podCount = c.parallelism === undefined ? wanted : Math.min(wanted, Math.max(0, c.parallelism));
    if (podCount === 0) continue;
    pods += podCount;
    largestPodCpu = Math.max(largestPodCpu, c.cpu);
    nodeFraction += podCount / podsPerNode(c.cpu, allocatableCpuPerNode);
  }
  for (const b of builds) {
    pods += 1;
    largestPodCpu = Math.max(largestPodCpu, b.cpu);
    nodeFraction += 1 / podsPerNode(b.cpu, allocatableCpuPerNode);
  }
  return { queuedRuns, runningRuns, activeBuilds: builds.length, pods, nodeFraction, largestPodCpu };
}

// Pods are whole: a node with 15.5 allocatable cores holds 15 one-core pods,
// not 15.5, so divide by the slots per node rather than by the cores.
function podsPerNode(cpu: number, allocatable: number): number {
  if (cpu <= 0) return Number.POSITIVE_INFINITY;
  return Math.max(1, Math.floor(allocatable / cpu + 1e-9));
}

/** The fields of a SimulationCampaign the capacity manager reads (a structural subset of the CRD). */
export interface CampaignObject {
  spec?: { suspend?: boolean; execution?: { parallelism?: number; cpu?: string | number } };
  status?: { phase?: string; runs?: { total?: number; pending?: number; running?: number } };
}

/** The fields of an InetBuild the capacity manager reads. */
export interface BuildObject {
  spec?: { builder?: { cpu?: string | number } };
  status?: { phase?: string };
}

/** Parses a Kubernetes CPU quantity (`2`, `1500m`, `0.5`) into cores; undefined when it is not one. */
export function parseCpu(quantity: string | number | undefined): number | undefined {
  if (quantity === undefined) return undefined;
  if (typeof quantity === 'number') return Number.isFinite(quantity) && quantity > 0 ? quantity : undefined;
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)(m?)\s*$/.exec(quantity);
  if (!m?.[1]) return undefined;
  const value = Number(m[1]) / (m[2] === 'm' ? 1000 : 1);
  return value > 0 ? value : undefined;
}

/**
 * What one campaign asks of the runner pool. A campaign that is not yet
 * running still needs one runner for its plan task, so nodes start while the
 * plan runs; a campaign waiting for its build needs none (the build counts).
 */
export function campaignDemandOf(campaign: CampaignObject, defaultCpu = 1): CampaignDemand | undefined {
  const phase = campaign.status?.phase ?? 'Pending';
  // A suspended campaign runs nothing, whether its phase says so yet or only its spec.
  if (isTerminalCampaignPhase(phase) || phase === 'Suspended' || campaign.spec?.suspend === true || phase === 'Building') return undefined;
  const cpu = parseCpu(campaign.spec?.execution?.cpu) ?? defaultCpu;
  const parallelism = campaign.spec?.execution?.parallelism;
  const bound = typeof parallelism === 'number' && parallelism > 0 ? { parallelism } : {};
  const runs = campaign.status?.runs;
  const pending = Math.max(0, runs?.pending ?? 0);
  const running = Math.max(0, runs?.running ?? 0);
  if (phase === 'Running' && pending + running > 0) return { pendingRuns: pending, runningRuns: running, cpu, ...bound };
  return { pendingRuns: 1, runningRuns: 0, cpu, ...bound };
}

/** A build in Pending or Building needs one builder pod. */
export function buildDemandOf(build: BuildObject, defaultCpu = 2): BuildDemand | undefined {
  const phase = build.status?.phase ?? 'Pending';
  if (phase !== 'Pending' && phase !== 'Building') return undefined;
  return { cpu: parseCpu(build.spec?.builder?.cpu) ?? defaultCpu };
}
