import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    rules: {
      // One funnel per side effect (STYLE.md): only src/host/ touches the outside world.
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:fs', message: 'Use src/host/files.ts.' },
            { name: 'node:fs/promises', message: 'Use src/host/files.ts.' },
            { name: 'node:child_process', message: 'Use src/host/processes.ts (execa).' },
            { name: 'undici', message: 'Use src/host/http.ts.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'Use src/host/http.ts.' }],
    },
  },
  {
    files: ['src/host/**/*.ts', 'src/cli/credential-helper-main.ts'],
    rules: { 'no-restricted-imports': 'off', 'no-restricted-globals': 'off' },
  },
  {
    files: ['test/**/*.ts', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', URL: 'readonly' } },
  },
);
