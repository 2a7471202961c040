import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// One funnel per side effect (docs/architecture.md): only src/host/ touches the outside world, and
// src/core/ stays pure. These rules keep the layering from rotting.
const outside = [
  ...['fs', 'fs/promises', 'net', 'tls', 'dns', 'dns/promises', 'http', 'https', 'http2', 'os', 'child_process'].flatMap((m) => [
    { name: `node:${m}`, message: 'Only src/host/ touches the outside world: use (or add) a port there.' },
    { name: m, message: 'Only src/host/ touches the outside world: use (or add) a port there.' },
  ]),
  { name: 'undici', message: 'Use src/host/http.ts.' },
  { name: 'execa', message: 'Use src/host/processes.ts.' },
  { name: 'dockerode', message: 'Use src/host/docker-api.ts.' },
  { name: '@grpc/grpc-js', message: 'Use the CRI client in src/host/.' },
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: outside }],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'Use src/host/http.ts.' }],
    },
  },
  {
    // core/ is pure and runtime-neutral: it may not reach the host, the transaction or the runtimes.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: outside,
          patterns: [
            { group: ['**/host/*', '**/host/**'], message: 'core/ is pure: pass data in, do the I/O in host/.' },
            { group: ['**/apply/*', '**/apply/**'], message: 'core/ may not import apply/.' },
            { group: ['**/runtimes/*', '**/runtimes/**'], message: 'core/ is runtime-neutral: it may not import runtimes/.' },
            { group: ['**/converge/*', '**/preflight/*', '**/verify/*', '**/doctor/*', '**/cli/*'], message: 'core/ is the bottom layer.' },
          ],
        },
      ],
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
