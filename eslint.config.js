import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'generated/**', 'node_modules/**', 'data/**', 'reports/**', '.stryker-tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { URL: 'readonly', process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['scripts/**', 'src/cli/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  // Layers import downward. The backend (ports, adapters, resilience) never reaches the HTTP edge or anything
  // above it; observability never reaches the files feature; src/common/ is a leaf both sides import.
  {
    files: ['src/backend/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/http/*', '**/security/*', '**/files/*', '**/operations/*', '**/observability/*', '**/runtime/*', '**/cli/*', '**/backend-service/*', '**/app.js'],
              message: 'src/backend is the bottom layer: it throws its own errors (src/backend/port.ts) and the HTTP edge maps them.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/observability/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/files/*'], message: 'Observability does not import the files feature: shared helpers live in src/common/.' }] }],
    },
  },
  {
    files: ['src/common/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*', '../../*'], message: 'src/common/ is a leaf: it imports nothing from the project.' }] }],
    },
  },
  {
    // Nothing reads process.env but src/config.ts (and tests/scripts that set up their own world).
    files: ['src/**'],
    ignores: ['src/config.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/config.ts.' }],
    },
  },
);
