// The text of `cluster status|halt|resume`: the nodegroup, its cost guard and
// the operator's capacity status, or what a halt or resume changed. Pure.
import type { ClusterResult, ClusterStatusResult } from '../data/nodegroup.ts';

const COMPARISONS: Record<string, string> = {
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
};
const INDENT = '               ';

/** The cost guard: each alarm with its state and threshold, and the policy they execute. */
function guardLines(guard: ClusterStatusResult['guard']): string[] {
  if (!guard.view) return [`Cost guard:    unavailable (${guard.unavailable ?? 'unknown'})`];
  const { alarms, policy } = guard.view;
  if (alarms.length === 0) return ['Cost guard:    no alarms (INETSWARM_COST_GUARD is off, or the operator has not written them yet)'];
  const lines = alarms.map(
    (a, i) => `${i === 0 ? 'Cost guard:    ' : INDENT}${a.name}: ${a.state}, alarm when value ${COMPARISONS[a.comparison] ?? a.comparison} ${a.threshold ?? '?'}`,
  );
  if (!policy) return [...lines, `${INDENT}no Auto Scaling group: the alarms only notify`];
  if (!policy.arn) return [...lines, `${INDENT}no policy ${policy.name} on group ${policy.group}: the alarms only notify`];
  const wired = alarms.filter((a) => a.actions.includes(policy.arn ?? '')).length;
  return [...lines, `${INDENT}executes ${policy.name} (group ${policy.group} to 0 nodes) from ${wired} of ${alarms.length} alarms`];
}

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
    ...guardLines(result.guard),
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
