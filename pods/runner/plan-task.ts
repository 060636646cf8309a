// The runner's plan task: expand the campaign's runs with the simulation
// itself and publish one run task each, with what the run simulates. A model that cannot be expanded is a
// permanent failure of the campaign, recorded as its planError.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { JsMsg } from '@nats-io/jetstream';
import { PermanentError } from '../../lib/errors.ts';
import { planCommand } from '../../lib/engine/command.ts';
import { expandRuns } from '../../lib/engine/plan.ts';
import type { PlannedRun } from '../../lib/engine/run-identity.ts';
import { publishRunTasks } from '../../lib/queue/jetstream.ts';
import type { PlanTask } from '../../lib/queue/task.ts';
import { recordPlan } from '../../lib/store/campaigns.ts';
import { campaignsOf } from '../../lib/store/store.ts';
import type { RunnerContext } from './deps.ts';

export async function handlePlan(ctx: RunnerContext, task: PlanTask, msg: JsMsg): Promise<void> {
  const { config, log, db, js } = ctx;
  const started = Date.now();
  let runs: PlannedRun[];
  try {
    const launcher = ctx.launcher ? { launcher: ctx.launcher, outputFile: join(config.workDir, `plan-${randomUUID()}.output`) } : undefined;
    runs = await expandRuns({ ...planCommand(ctx.root, config.simulation), env: ctx.simulationEnv }, undefined, launcher);
  } catch (err) {
    if (!(err instanceof PermanentError)) throw err;
    log.error({ error: err.message }, 'Planned campaign: run expansion failed');
    await campaignsOf(db).updateOne(
      { _id: task.campaignUid },
      { $setOnInsert: { namespace: task.namespace, campaign: task.campaign }, $set: { planError: err.message, plannedAt: new Date() } },
      { upsert: true },
    );
    msg.term('run expansion failed');
    return;
  }
  const { published, duplicates } = await publishRunTasks(js, ctx.names, task, runs, task.policy);
  await recordPlan(db, { _id: task.campaignUid, namespace: task.namespace, campaign: task.campaign, total: runs.length, planMs: Date.now() - started });
  log.info({ total: runs.length, published, duplicates, planMs: Date.now() - started }, 'Planned campaign');
  msg.ack();
}
