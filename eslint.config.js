// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layer rules of docs/architecture.md, enforced here rather than by review:
//   cli -> app -> core, adapters -> core; core is pure (no I/O, clock, randomness or process);
//   only app/compose imports adapters (test/unit/lint-rules.test.ts shows each rule failing).
const ioModules = [
  'fs',
  'fs/promises',
  'http',
  'https',
  'http2',
  'net',
  'tls',
  'dgram',
  'dns',
  'child_process',
  'cluster',
  'worker_threads',
  'os',
  'zlib',
  'crypto',
  'process',
  'readline',
  'stream',
].flatMap((m) => [m, `node:${m}`]);

const thirdPartyIo = [
  'undici',
  'better-sqlite3',
  'commander',
  'http-proxy-3',
  '@apidevtools/swagger-parser',
];

const appMustNotImportCli = { group: ['**/cli/**'], message: 'app must not depend on the CLI.' };
const onlyComposeMessage =
  'Only src/app/compose constructs adapters: take what you need as a parameter or port, and build it in compose.';
const onlyComposeImportsAdapters = { group: ['**/adapters/**'], message: onlyComposeMessage };
// no-restricted-imports does not see `await import(…)`; lazy loading must not be a way around it.
const noDynamicAdapterImport = {
  selector: 'ImportExpression[source.value=/(^|\\/)adapters\\//]',
  message: onlyComposeMessage,
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'off',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...ioModules, ...thirdPartyIo].map((name) => ({
            name,
            message: 'src/core is pure: do I/O in src/adapters behind a port in core/ports/.',
          })),
          patterns: [
            {
              group: ['**/adapters/**', '**/app/**', '**/cli/**'],
              message: 'src/core must not depend on outer layers.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'src/core never reads process state; pass values in.' },
        {
          name: 'Buffer',
          message: 'src/core works on Uint8Array and strings; Buffer is Node I/O.',
        },
        { name: 'setTimeout', message: 'src/core has no timers; the clock is a port.' },
        { name: 'setInterval', message: 'src/core has no timers; the clock is a port.' },
        { name: 'fetch', message: 'src/core does no network I/O.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use the Clock port.' },
        { object: 'Math', property: 'random', message: 'Use a seeded random source.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'new Date() reads the clock; use the Clock port.',
        },
      ],
    },
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/app/**', '**/cli/**'], message: 'adapters depend on core only.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/app/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [appMustNotImportCli, onlyComposeImportsAdapters] },
      ],
      'no-restricted-syntax': ['error', noDynamicAdapterImport],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'exit', message: 'Only src/cli exits the process.' },
      ],
    },
  },
  {
    // The composition room: the one place in app/ that constructs adapters and hands them on
    // as ports. (This object replaces the rule's options above for these files.)
    files: ['src/app/compose/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [appMustNotImportCli] }],
      'no-restricted-syntax': 'off',
    },
  },
  {
    // The CLI and the public API reach adapters only through app/compose.
    files: ['src/cli/**/*.ts', 'src/index.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [onlyComposeImportsAdapters] }],
      'no-restricted-syntax': ['error', noDynamicAdapterImport],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
      },
    },
  },
);
