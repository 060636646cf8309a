// The layer rules, checked by dependency-cruiser on the graph of every import
// (type-only ones included: a type from operator/ in cli/ still couples the CLI
// to the operator's insides). The purity rules need the graph of what is loaded
// at run time instead and live in .dependency-cruiser-purity.mjs, which takes
// the shared lists below. docs/layers.md says what may import what and why.

/** Folders of the project's own code; test/ may import anything and is not checked. */
const layers = '^(api|lib|operator|pods|service|cli)/';

/**
 * Modules that must stay pure functions of their arguments: every decision
 * module by name (decide.ts, *.decide.ts, anything under decide/ or pure/),
 * the API types, and the helpers those modules use. A list here rather than a
 * marker comment in each file: the rule and what it covers sit in one place a
 * reviewer reads, and dependency-cruiser matches paths, so a marker would need
 * code of our own to collect; a file added under a pure name is covered
 * without anyone remembering a comment.
 */
export const pureModules = [
  // (|.*[/.]) rather than (.*[/.])?: dependency-cruiser refuses nested
  // quantifiers (star height 2) as unsafe.
  `${layers}(|.*[/.])decide\\.ts$`,
  `${layers}(|.*/)(decide|pure)/`,
  '^api/',
  '^lib/(time|errors|config)\\.ts$',
  '^lib/canonical\\.ts$',
  '^lib/kube/(conditions|manifests|keys|clip|quantity)\\.ts$',
  '^lib/queue/(subjects|permissions)\\.ts$',
  '^lib/capacity/demand\\.ts$',
  '^lib/engine/(command|cmdenv-output)\\.ts$',
  // The runner pod's env contract: the campaign's manifests write it, the
  // runner reads it (from an env object it is given; process.pid is only the
  // last default of the pod name).
  '^lib/engine/runner-config\\.ts$',
  '^lib/store/(builds|include|sources|csv-r|patterns|tenant)\\.ts$',
  // A controller's manifests are plain data built from the resource: its
  // decide module calls them.
  '^operator/controllers/[^/]+/manifests\\.ts$',
  // The namespace's NetworkPolicies: manifests and the settings and CIDR arithmetic they are built from.
  '^operator/controllers/shared/(network|network-settings|cidr)\\.ts$',
  // The named steps a controller's decide module is split into.
  '^operator/controllers/simulationcampaign/(outcome|events|runner-pods)\\.ts$',
  '^operator/controllers/inetbuild/phase\\.ts$',
  '^operator/controllers/capacity/scale\\.ts$',
  // The results service's request parsing, routes and documents.
  '^service/auth/identity\\.ts$',
  '^service/http/(routes|errors)\\.ts$',
  '^service/api/(discovery|openapi|query)\\.ts$',
  '^service/data/summary\\.ts$',
  // The results service's download arithmetic: which bytes a Range asks for,
  // where each entry of a results archive lies.
  '^service/files/(range|layout)\\.ts$',
  '^cli/(options|errors)\\.ts$',
  // What a CLI command shows or decides, apart from fetching and printing it.
  '^cli/data/',
  '^cli/output/format\\.ts$',
  '^cli/git/remote-url\\.ts$',
  // What the project's Makefiles and IDE files say, parsed from their text.
  '^cli/project/(makefile|eclipse|target|parse)\\.ts$',
  // The dashboard's page renderers (documents in, HTML strings out) and its
  // router (a path and query in, a route out).
  '^service/dashboard/render/',
  '^service/dashboard/route\\.ts$',
];

/**
 * Client libraries and I/O: what a pure module must not load, even through a
 * chain of imports. Node's built-ins appear under their bare names (fs, not
 * node:fs) in dependency-cruiser's graph; npm packages under node_modules/,
 * or under ../<elsewhere>/node_modules/ when node_modules is a symlink.
 */
export const ioModules = [
  '(^|/)node_modules/(@kubernetes|@aws-sdk|@smithy|@nats-io)/',
  '(^|/)node_modules/(nats|mongodb|pino|prom-client)/',
  '^(node:)?(child_process|cluster|dgram|dns|fs|http|http2|https|inspector|net|os|readline|repl|tls|tty|worker_threads)(/promises)?$',
];

/** What both configurations share: how imports resolve. */
export const options = {
  doNotFollow: { path: '(^|/)node_modules/' },
  exclude: { path: '^test/fixtures/.*/work/' },
  // tsconfig's NodeNext resolution: `.ts` extensions in relative imports.
  tsConfig: { fileName: 'tsconfig.json' },
  enhancedResolveOptions: {
    exportsFields: ['exports'],
    conditionNames: ['import', 'require', 'node', 'default', 'types'],
    mainFields: ['module', 'main', 'types', 'typings'],
  },
};

/** `from` folder -> the project folders it must not import. */
const forbiddenLayers = [
  ['api', 'lib|operator|pods|service|cli|test', 'api/ holds the resources\' types and names; it imports nothing of the project but itself.'],
  ['lib', 'operator|pods|service|cli|test', 'lib/ is the shared library of the operator, the pods and the CLI; it imports only api/ and lib/.'],
  ['pods', 'operator|service|cli|test', 'pods/ are the programs inside pods; they share code with the operator only through lib/.'],
  ['operator', 'pods|service|cli|test', 'operator/ shares code with the pods and the CLI only through lib/.'],
  ['service', 'operator|pods|cli|test', 'The results service shares code with the operator and the CLI only through lib/ and api/.'],
  ['cli', 'operator|pods|service|test', 'The CLI reaches the operator, the pods and the results service only through the shared library (lib/), api/ and HTTP.'],
];

export default {
  forbidden: [
    ...forbiddenLayers.map(([from, to, comment]) => ({
      name: `layer-${from}`,
      severity: 'error',
      comment,
      from: { path: `^${from}/` },
      to: { path: `^(${to})/` },
    })),
    {
      // A relative import that does not resolve would silently drop an edge
      // from the graph (and so from every rule above).
      name: 'resolvable',
      severity: 'error',
      comment: 'Every import resolves to a file or a package.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: { ...options, tsPreCompilationDeps: true },
};
