// Lint rules: the typescript-eslint defaults, unused variables, `import type`
// for types, and the size limits of the product's code (a file of at most 300
// lines, a function of at most 60: past that a module or a decision is hard to
// read whole; an exception is an eslint-disable comment that says why). What may import what (the layers and the purity of
// decision modules, followed through every chain of imports) is checked by
// dependency-cruiser, not here: see docs/layers.md and `npm run lint:layers`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'charts/', 'test/fixtures/**/work/', '**/*.js', '!eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['api/**/*.ts', 'lib/**/*.ts', 'operator/**/*.ts', 'pods/**/*.ts', 'service/**/*.ts', 'cli/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 300 }],
      'max-lines-per-function': ['error', { max: 60 }],
    },
  },
);
