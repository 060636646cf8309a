// What the dashboard's pages show, as the service core answers it for one
// caller: every method sees only what that caller may read (the core checks
// each namespace with a SubjectAccessReview), so the pages never decide
// access themselves. The core implements it over the store and the cluster;
// the pages render its documents (api/results.ts).
import type {
  BuildList,
  BuildSummary,
  CampaignList,
  CampaignSummary,
  FailureList,
  RunDetail,
  RunPage,
  ScalarPlot,
  Throughput,
} from '../../api/results.ts';

export interface RunQuery {
  status?: string;
  after?: number;
  before?: number;
  limit?: number;
}

/** The scalars and iteration variables a campaign has, for the plot's choices. */
export interface PlotChoices {
  scalars: Array<{ module: string; name: string }>;
  itervars: string[];
}

export interface DashboardData {
  campaigns(): Promise<CampaignList>;
  campaign(namespace: string, name: string): Promise<CampaignSummary>;
  runs(namespace: string, name: string, query: RunQuery): Promise<RunPage>;
  run(namespace: string, name: string, run: number): Promise<RunDetail>;
  failures(namespace: string, name: string): Promise<FailureList>;
  throughput(namespace: string, name: string): Promise<Throughput>;
  plotChoices(namespace: string, name: string): Promise<PlotChoices>;
  scalarPlot(namespace: string, name: string, scalar: { module: string; name: string }, itervar: string): Promise<ScalarPlot>;
  builds(namespace?: string): Promise<BuildList>;
  build(namespace: string, name: string): Promise<BuildSummary>;
  /** The campaign's summary now and after every change, until `signal` aborts. */
  campaignUpdates(namespace: string, name: string, signal: AbortSignal): AsyncIterable<CampaignSummary>;
}
