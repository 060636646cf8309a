// The text of `cluster status|halt|resume`: the nodegroup and the operator's
// capacity status, or what a halt or resume changed. Pure.
import type { ClusterResult } from '../data/nodegroup.ts';

/** Human-readable text of a cluster command's result. */
export function formatClusterResult(result: ClusterResult): string {
  if (result.kind !== 'status') {
    const verb = result.kind === 'halt' ? 'Halted' : 'Resumed';
    return [`${verb} ${result.cluster}/${result.nodegroup}: desired size ${result.from} -> ${result.to}`, ...result.notes].join('\n') + '\n';
  }
  const ng = result.nodegroup;
  const lines = [
    `Nodegroup:     ${ng.clusterName}/${ng.nodegroupName} (${ng.status})`,
    `Size:          desired ${ng.desiredSize}, min ${ng.minSize}, max ${ng.maxSize}${ng.updateInProgress ? ' (update in progress)' : ''}`,
    `Instance type: ${result.instanceType || 'unknown'}${result.vcpus === undefined ? '' : ` (${result.vcpus} vCPUs)`}`,
  ];
  const s = result.operator.status;
  if (s) {
    lines.push(
      `Operator:      ${s.reason ?? 'unknown'}: ${s.message ?? ''}`,
      `               needed ${s.neededNodes ?? '?'}, busy ${s.busyNodes ?? '?'}, registered ${s.currentNodes ?? '?'} nodes; ` +
        `${s.queuedRuns ?? '?'} queued, ${s.runningRuns ?? '?'} running runs`,
      `               last activity ${s.lastActivity ?? 'never'}, last change ${s.lastUpdate ?? 'never'}`,
    );
    if (s.ready === 'False') lines.push(`               ${s.condition ?? 'Failed'}: ${s.error ?? ''}`);
  } else {
    lines.push(`Operator:      status unavailable (${result.operator.unavailable ?? 'unknown'})`);
  }
  return lines.join('\n') + '\n';
}
