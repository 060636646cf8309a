// The InetBuild types this controller uses, from the shared API module.
export type { InetBuild, InetBuildSpec, InetBuildStatus, InetBuildPhase as BuildPhase } from '../../../api/v1alpha1.ts';
