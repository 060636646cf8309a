// The runner's plan task: expand the campaign's runs with the simulation
// itself and publish one run task each, with what the run simulates, a batch
// at a time as the run list is read (a plan of ten million runs is never held
// whole). A plan that cannot succeed by trying again (the model cannot be
// expanded, the output is no run list, too many runs) is a permanent failure
// of the campaign, recorded as its planError, which the operator turns into
// PlanFailed; anything else hands the task back for another try.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { JsMsg } from '@nats-io/jetstream';
import { planCommand } from '../../lib/engine/command.ts';
import { planRuns } from '../../lib/engine/plan.ts';
import { permanentPlanFailure } from '../../lib/engine/plan-failure.ts';
import { publishRunTasks } from '../../lib/queue/jetstream.ts';
import type { PlanTask } from '../../lib/queue/task.ts';
import { recordPlan } from '../../lib/store/campaigns.ts';
import { campaignsOf } from '../../lib/store/store.ts';
import type { RunnerContext } from './deps.ts';

export async function handlePlan(ctx: RunnerContext, task: PlanTask, msg: JsMsg): Promise<void> {
  const { config, log, db, js } = ctx;
  const started = Date.now();
  const outputFile = join(config.workDir, `plan-${randomUUID()}.output`);
  const counts = { published: 0, duplicates: 0 };
  let total: number;
  try {
    const cmd = { ...planCommand(ctx.root, config.simulation), env: ctx.simulationEnv };
    const opts = { ...(ctx.launcher ? { launcher: { launcher: ctx.launcher, outputFile } } : { spoolFile: outputFile }), ...(config.planMaxRuns ? { maxRuns: config.planMaxRuns } : {}) };
    total = await planRuns(cmd, opts, async (batch) => {
      const { published, duplicates } = await publishRunTasks(js, ctx.names, task, batch, task.policy);
      counts.published += published;
      counts.duplicates += duplicates;
    });
  } catch (err) {
    const planError = permanentPlanFailure(err);
    if (planError === undefined) throw err;
    log.error({ error: planError, published: counts.published }, 'Planned campaign: run expansion failed');
    await campaignsOf(db).updateOne(
      { _id: task.campaignUid },
      { $setOnInsert: { namespace: task.namespace, campaign: task.campaign }, $set: { planError, plannedAt: new Date() } },
      { upsert: true },
    );
    msg.term('run expansion failed');
    return;
  }
  await recordPlan(db, { _id: task.campaignUid, namespace: task.namespace, campaign: task.campaign, total, planMs: Date.now() - started });
  log.info({ total, ...counts, planMs: Date.now() - started }, 'Planned campaign');
  msg.ack();
}
