// What each page reads from DashboardData, read in parallel, and only the
// parts a fragment request needs. The data is already the caller's (the core
// filters by namespace access); errors it throws carry their HTTP status up
// to the handler.
import type { DashboardData } from './data.ts';
import type { CampaignView, FragmentName } from './render/campaign.ts';
import { PAGE_SIZE, type CampaignQuery } from './route.ts';

export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** The campaign page's data; with a fragment, only what that fragment shows (the rest left empty). */
export async function loadCampaignView(data: DashboardData, base: string, namespace: string, name: string, q: CampaignQuery, now: Date): Promise<CampaignView> {
  const wants = (part: FragmentName) => q.fragment === undefined || q.fragment === part;
  const [campaign, runs, failures, throughput, choices] = await Promise.all([
    data.campaign(namespace, name),
    wants('runs') ? data.runs(namespace, name, { status: q.status, after: q.after, before: q.before, limit: PAGE_SIZE }) : { items: [] },
    wants('failures') ? data.failures(namespace, name) : { items: [] },
    wants('throughput') ? data.throughput(namespace, name) : { points: [] },
    wants('plot') ? data.plotChoices(namespace, name) : { scalars: [], itervars: [] },
  ]);
  const view: CampaignView = { base, now, campaign, runs, status: q.status, failures, throughput, choices, requested: q.requested };
  if (!wants('plot')) return view;
  view.scalar = q.scalar ?? choices.scalars[0];
  view.itervar = q.itervar ?? choices.itervars[0];
  if (!view.scalar || !view.itervar) return view;
  try {
    view.plot = await data.scalarPlot(namespace, name, view.scalar, view.itervar);
  } catch (error) {
    // A choice the campaign does not have (an old link, an edited URL) is said in the plot's place, not as an error page.
    const status = statusOf(error);
    if (status !== 400 && status !== 404) throw error;
    view.plotError = `No values of ${view.scalar.module}.${view.scalar.name} against ${view.itervar}.`;
  }
  return view;
}
