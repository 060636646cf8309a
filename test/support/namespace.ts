// A namespace of a test file's own: created before its tests (and ready for
// pods: the ServiceAccount controller has made `default`), deleted after them.
import { after, before } from 'node:test';
import type { CoreV1Api } from '@kubernetes/client-node';
import { eventually, notYet } from './eventually.ts';

export function useNamespace(core: CoreV1Api, namespace: string): void {
  before(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    // Pods are refused until the ServiceAccount controller has created `default`.
    await eventually('the default ServiceAccount appears', async () => {
      const list = await core.listNamespacedServiceAccount({ namespace });
      return list.items.some((sa) => sa.metadata?.name === 'default') ? true : notYet(list.items.length);
    });
  });
  after(async () => {
    await core.deleteNamespace({ name: namespace });
  });
}
