// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'data/**', 'logs/**', 'test-output/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    // One program for every file: the root tsconfig.json holds sources, specs, test support, bench and scripts.
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
  },
  { files: ['**/*.js', '**/*.cjs', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      // Off: an `async` function without `await` is how this code meets a Promise-returning signature (WorkerHost's
      // process, shutdown hooks, fakes in specs) while a throw still becomes a rejection; the rule would trade that for
      // `Promise.resolve` wrappers. no-floating-promises and no-misused-promises guard what matters.
      '@typescript-eslint/require-await': 'off',
      // Apps never import each other, and nobody imports a lib's src/ by path (design: import the package root).
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/apps/*/**', '**/libs/*/src/**', '**/libs/*/src'],
              message: 'import @sc/<lib>, never another app or a lib path',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    // `const { setTimeout } = require('node:timers/promises')`-style imports of built-ins are fine.
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-redeclare': ['error', { builtinGlobals: false }] },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/test/**', 'bench/**', 'scripts/**'],
    rules: {
      'no-console': 'off',
      // Tests read HTTP answers and database rows as `any` on purpose: the assertions check them, not the types.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
