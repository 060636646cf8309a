// Lint rules: the typescript-eslint defaults, unused variables and
// `import type` for types. What may import what (the layers and the purity of
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
);
