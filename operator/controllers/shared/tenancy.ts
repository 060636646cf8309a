// Prepares a namespace the operator serves before its first builder, distccd
// or runner pod: its NetworkPolicies first (so that no pod of ours runs there
// unconfined), then the Namespace's tenant label (which lets its pods reach
// the chart's NATS and MongoDB). Fail closed: an error here stops the
// reconcile before the Job or DaemonSet is applied. Once per namespace and
// process, as the runner Secret is: the policies change only with the
// operator's settings, and a new process applies them again.
import { PatchStrategy, type KubernetesObject, type KubernetesObjectApi } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../../../api/labels.ts';
import { classify } from '../../../lib/kube/errors.ts';
import { namespacePolicies, servedNamespace } from './network.ts';
import type { NetworkSettings } from './network-settings.ts';

export interface NamespaceGuard {
  /** Applies the namespace's policies and label unless done already by this process (or switched off). */
  prepare(namespace: string): Promise<void>;
}

export function namespaceGuard(objects: KubernetesObjectApi, settings: NetworkSettings): NamespaceGuard {
  const prepared = new Set<string>();
  const apply = async (manifest: KubernetesObject, what: string) => {
    try {
      await objects.patch(manifest, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (error) {
      throw classify(error, what);
    }
  };
  return {
    async prepare(namespace) {
      if (!settings.enabled || prepared.has(namespace)) return;
      for (const policy of namespacePolicies(namespace, settings)) {
        await apply(policy as KubernetesObject, `applying NetworkPolicy ${namespace}/${policy.metadata.name}`);
      }
      await apply(servedNamespace(namespace) as KubernetesObject, `labelling Namespace ${namespace} as served`);
      prepared.add(namespace);
    },
  };
}
