// Lint rules. Beyond the typescript-eslint defaults, one house rule: the pure
// decision modules (`decide.ts` files, everything under a `decide/` or
// `pure/` folder, and the CLI's `cli/data/`) import no client library, so
// they stay testable as plain functions of their inputs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const clientLibraries = [
  '@kubernetes/*',
  '@aws-sdk/*',
  '@smithy/*',
  '@nats-io/*',
  'nats',
  'mongodb',
  'node:child_process',
  'node:fs',
  'node:fs/promises',
  'node:net',
  'node:http',
  'node:https',
];

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
    files: ['**/decide.ts', '**/decide/**/*.ts', '**/*.decide.ts', 'cli/data/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: clientLibraries,
              message: 'Pure decision modules take the observed world as arguments; do I/O in the caller.',
            },
          ],
        },
      ],
    },
  },
);
