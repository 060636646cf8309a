// What the resources' phases mean, stated once: which campaign phases are
// terminal and in which order a build's phases follow each other. The
// operator, the capacity demand and the CLI all ask these questions.
import { INET_BUILD_PHASES, type CampaignPhase, type InetBuildPhase } from './v1alpha1.ts';

/** Campaign phases after which a campaign's runs change no more. */
export const TERMINAL_CAMPAIGN_PHASES: readonly CampaignPhase[] = ['Succeeded', 'Failed', 'Cancelled'];

/** Whether a campaign phase is terminal; a phase string that is no campaign phase is not. */
export function isTerminalCampaignPhase(phase: string | undefined): boolean {
  return TERMINAL_CAMPAIGN_PHASES.some((p) => p === phase);
}

/**
 * Whether a campaign is finished for good: a terminal phase and a completion
 * time. A campaign Failed only because its build is missing has no completion
 * time, since the build may still be created.
 */
export function isFinalCampaign(status: { phase?: CampaignPhase; completionTime?: string } | undefined): boolean {
  return isTerminalCampaignPhase(status?.phase) && status?.completionTime !== undefined;
}

/** Whether a build phase is terminal: a finished build never changes again (its spec is immutable). */
export function isTerminalBuildPhase(phase: InetBuildPhase | undefined): phase is 'Succeeded' | 'Failed' {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** A build phase's place in the order the phases follow; an absent phase is Pending. */
export function buildPhaseRank(phase: InetBuildPhase | undefined): number {
  return INET_BUILD_PHASES.indexOf(phase ?? 'Pending');
}
