// The purity rules, checked by dependency-cruiser on the graph of what is
// loaded at run time: type-only imports are left out (tsPreCompilationDeps:
// false), so a pure module may name a client library's types but never load
// one, directly or through any chain of imports. The lists are shared with the
// layer rules in .dependency-cruiser.mjs; docs/layers.md explains both.
import { ioModules, options, pureModules } from './.dependency-cruiser.mjs';

export default {
  forbidden: [
    {
      name: 'pure-reaches-no-io',
      severity: 'error',
      comment:
        'A pure module (decide, API types, pure helpers) takes the observed world as arguments: it must not load a client library or an I/O module, even transitively. Do the I/O in the caller.',
      from: { path: pureModules },
      to: { path: ioModules, reachable: true },
    },
    {
      name: 'pure-reaches-only-pure',
      severity: 'error',
      comment:
        'A pure module loads only other pure modules of the project (api/, the listed pure helpers, sibling pure files); add a helper to pureModules in .dependency-cruiser.mjs only if it is pure.',
      from: { path: pureModules },
      to: { path: '^(api|lib|operator|pods|service|cli|test)/', pathNot: pureModules, reachable: true },
    },
  ],
  options: { ...options, tsPreCompilationDeps: false },
};
