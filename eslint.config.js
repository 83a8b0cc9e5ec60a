// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['eslint.config.js'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ExportAllDeclaration',
          message: 'Use explicit named exports (public API is on purpose).',
        },
      ],
    },
  },
  {
    // The bin shim is two lines of plain JavaScript that import the built CLI.
    files: ['bin/**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      parserOptions: { projectService: false, project: null },
      globals: { process: 'readonly' },
    },
  },
  {
    files: ['src/core/**/*.ts'],
    ignores: ['src/core/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                'hono',
                'hono/*',
                '@hono/*',
                '@anthropic-ai/*',
                'openai',
                'openai/*',
                '@modelcontextprotocol/*',
              ],
              message: 'src/core holds contracts only: no I/O, SDKs or node: modules.',
            },
            {
              group: [
                '../agent/*',
                '../providers/*',
                '../server/*',
                '../tools/*',
                '../headless/*',
                '../stores/*',
                '../testing/*',
                '../cli/*',
              ],
              message: 'Dependencies point inward: core imports nothing outside core.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/agent/**/*.ts', 'src/tools/**/*.ts', 'src/providers/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../server/*',
                '../../server/*',
                '../headless/*',
                '../../headless/*',
                '../cli/*',
                '../../cli/*',
                '../testing/*',
                '../../testing/*',
                'hono',
                '@hono/*',
              ],
              message: 'Dependencies point inward: server/headless → agent → core.',
            },
          ],
        },
      ],
    },
  },
);
