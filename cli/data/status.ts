// What `status` shows of a campaign, as data: the view printed as text or as
// JSON, which campaign `status` picks without a name, how long a campaign ran
// and the exit code after --watch. Pure; output/status.ts renders the view.
import { isTerminalCampaignPhase } from '../../api/phases.ts';
import type { SimulationCampaign } from '../../api/v1alpha1.ts';
import { ExitCode } from '../errors.ts';
import { createdMs } from './list.ts';

/** Whether a campaign changes no more (a terminal phase). */
export function isFinished(campaign: SimulationCampaign): boolean {
  return isTerminalCampaignPhase(campaign.status?.phase);
}

/** What `status` shows of a campaign (printed as text, or as JSON with --json). */
export interface CampaignStatusView {
  namespace: string;
  name: string;
  uid: string;
  config: string;
  build: string;
  phase: string;
  total: number | undefined;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  runners: number;
  startTime?: string | undefined;
  completionTime?: string | undefined;
  estimatedCompletionTime?: string | undefined;
  /** The message of the condition that explains a stop or a wait (build failure, unknown config). */
  message?: string | undefined;
  failedRuns: Array<{ run: number; exitCode?: number | undefined; reason: string; message?: string | undefined }>;
}

export function statusView(c: SimulationCampaign): CampaignStatusView {
  const s = c.status ?? {};
  const runs = s.runs ?? {};
  const failedCondition = s.conditions?.find((x) => x.type === 'Failed' && x.status === 'True');
  const waiting = s.conditions?.find((x) => (x.type === 'BuildReady' || x.type === 'Planned') && x.status === 'False');
  return {
    namespace: c.metadata.namespace ?? '',
    name: c.metadata.name ?? '',
    uid: c.metadata.uid ?? '',
    config: c.spec.config,
    build: c.spec.buildRef.name,
    phase: s.phase ?? 'Pending',
    total: runs.total,
    pending: runs.pending ?? 0,
    running: runs.running ?? 0,
    succeeded: runs.succeeded ?? 0,
    failed: runs.failed ?? 0,
    runners: s.runners ?? 0,
    startTime: s.startTime,
    completionTime: s.completionTime,
    estimatedCompletionTime: s.estimatedCompletionTime,
    message: failedCondition?.message || waiting?.message || undefined,
    failedRuns: (s.failedRuns ?? []).map((f) => ({ run: f.run, exitCode: f.exitCode, reason: f.reason, message: f.message })),
  };
}

/** The newest campaign of a list, which `status` shows when no name is given. */
export function newestCampaign(items: readonly SimulationCampaign[]): SimulationCampaign | undefined {
  return [...items].sort((a, b) => createdMs(b) - createdMs(a))[0];
}

/** How long the campaign ran, from its status: to its completion, else to `now`. */
export function campaignElapsedMs(view: CampaignStatusView, now: Date): number {
  if (!view.startTime) return 0;
  const end = view.completionTime ? new Date(view.completionTime) : now;
  return Math.max(0, end.getTime() - new Date(view.startTime).getTime());
}

/** After --watch: 0 when the campaign succeeded with no failed run, else 1. */
export function watchExitCode(view: CampaignStatusView): number {
  return view.phase === 'Succeeded' && view.failed === 0 ? ExitCode.ok : ExitCode.failure;
}
