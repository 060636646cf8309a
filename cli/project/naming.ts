// Deterministic names for the custom resources the CLI creates. An InetBuild
// name is a function of everything that changes the compiled artifact, so the
// same commit is built once and every later campaign finds and reuses it.
import { createHash } from 'node:crypto';
import { parseRemoteUrl } from '../git/remote-url.ts';

/** Everything that determines a build's artifact. */
export interface BuildIdentity {
  repository: string;
  revision: string;
  omnetppVersion: string;
  mode: 'release' | 'debug';
  commands: string[];
  /** The credentials Secret: the spec is immutable, so a build with another Secret is another object. */
  credentialsSecret?: string | undefined;
}

/** The InetBuild CRD allows 52 characters: the name is also the builder Job's, whose pods add a suffix. */
export const maxBuildNameLength = 52;

/**
 * `inet-<repo-slug>-<rev7>-<hash8>`: readable (which repository, which commit) and unique
 * (hash8 covers every input, including the URL, OMNeT++ version, mode and build commands).
 */
export function buildName(identity: BuildIdentity): string {
  const hash = createHash('sha256')
    .update(
      JSON.stringify([
        identity.repository,
        identity.revision,
        identity.omnetppVersion,
        identity.mode,
        identity.commands,
        // Only when set, so that the names of builds without a Secret stay what they were.
        ...(identity.credentialsSecret ? [identity.credentialsSecret] : []),
      ]),
    )
    .digest('hex')
    .slice(0, 8);
  const rev7 = identity.revision.slice(0, 7).toLowerCase();
  const repoSlug = slugify(parseRemoteUrl(identity.repository)?.name ?? identity.repository) || 'model';
  // `inet-inet-...` says nothing more than `inet-...`.
  const base = repoSlug === 'inet' || repoSlug.startsWith('inet-') ? repoSlug : `inet-${repoSlug}`;
  const room = maxBuildNameLength - (rev7.length + hash.length + 2);
  return `${trimDashes(base.slice(0, room))}-${rev7}-${hash}`;
}

/**
 * A campaign name from its config and start time, e.g. `aloha-20261121-204500`: short enough
 * (<= 47) that the operator can derive Job and pod names from it.
 */
export function campaignName(config: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-');
  const configSlug = trimDashes(slugify(config).slice(0, 31)) || 'general';
  return `${configSlug}-${stamp}`;
}

/** Lower-cases and replaces everything outside [a-z0-9-] by dashes, collapsing runs of dashes. */
export function slugify(text: string): string {
  return trimDashes(
    text
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/-{2,}/g, '-'),
  );
}

function trimDashes(text: string): string {
  return text.replace(/^-+|-+$/g, '');
}
