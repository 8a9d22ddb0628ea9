// Lint rules for the whole workspace. Two rule sets carry architecture, not style:
// the protocol core stays pure (time, randomness and I/O enter only as inputs), and packages
// never import "upwards" (core <- nats <- nestjs <- apps).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const upward = (names) => names.map((name) => ({ name, message: `a lower layer must not import ${name}` }));
const upwardPatterns = (groups) =>
  groups.map((group) => ({ group, message: 'a lower layer must not import a higher one' }));

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.nx/**', 'bench-results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    // Nest resolves constructor dependencies from decorator metadata, which needs value imports:
    // these parser options make consistent-type-imports leave decorated classes alone.
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly' },
      parserOptions: { emitDecoratorMetadata: true, experimentalDecorators: true },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'use an `as const` object instead of an enum' },
      ],
    },
  },
  {
    files: ['**/*.mjs', 'scripts/**/*.js'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: upward([
            '@cohort/nats',
            '@cohort/nestjs',
            '@nats-io/transport-node',
            '@nestjs/common',
            '@nestjs/core',
          ]),
          patterns: upwardPatterns([['@cohort/nats/*', '@cohort/nestjs/*', '@nestjs/*', '@nats-io/*']]),
        },
      ],
    },
  },
  {
    files: ['packages/nats/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: upward(['@cohort/nestjs', '@nestjs/common', '@nestjs/core']),
          patterns: upwardPatterns([['@cohort/nestjs/*', '@nestjs/*']]),
        },
      ],
    },
  },
  {
    // The protocol is a pure state machine: same state + same input = same output. Time arrives
    // as `now` in its inputs, randomness through a seeded RNG in its config, I/O as its outputs.
    files: ['packages/core/src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: upward([
            '@cohort/nats',
            '@cohort/nestjs',
            '@nats-io/transport-node',
            '@nestjs/common',
            '@nestjs/core',
            'rxjs',
          ]),
          patterns: [
            {
              group: ['node:*', 'fs', 'net', 'dgram', 'child_process', 'timers', 'crypto', 'os', 'worker_threads'],
              message: 'the protocol core does no I/O',
            },
            {
              group: ['@nats-io/*', '@nestjs/*', '@cohort/nats*', '@cohort/nestjs*'],
              message: 'the protocol core imports no transport or framework',
            },
            {
              group: ['**/runtime/**', '**/transport/**'],
              message: 'the protocol core must not depend on the runtime or transports',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...[
          'setTimeout',
          'setInterval',
          'setImmediate',
          'clearTimeout',
          'clearInterval',
          'clearImmediate',
          'queueMicrotask',
          'process',
          'performance',
          'fetch',
          'require',
        ].map((name) => ({
          name,
          message: `the protocol core is pure: ${name} is not allowed; time and effects enter as inputs`,
        })),
        { name: 'Date', message: 'the protocol core is pure: time enters as `now` in its inputs' },
        {
          name: 'crypto',
          message: 'the protocol core is pure: randomness enters through the seeded RNG in its config',
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'the protocol core is pure: use the seeded RNG from its config',
        },
        { object: 'globalThis', message: 'the protocol core is pure: no ambient globals' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'use an `as const` object instead of an enum' },
        { selector: 'ImportExpression', message: 'the protocol core loads no modules at run time' },
      ],
    },
  },
);
