import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';

// The architecture rules live in eslint.config.mjs; this proves they still match what they guard.
const root = fileURLToPath(new URL('../../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? 'parse-error');
}

const protocolFile = 'packages/core/src/protocol/probe.ts';

describe('architecture lint rules', () => {
  it.each([
    ['a timer', 'export const t = setTimeout(() => {}, 1);\n', 'no-restricted-globals'],
    ['the clock', 'export const now = Date.now();\n', 'no-restricted-globals'],
    ['Math.random', 'export const r = Math.random();\n', 'no-restricted-properties'],
    ['process', 'export const e = process.env;\n', 'no-restricted-globals'],
    ['node:fs', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n", 'no-restricted-imports'],
    [
      'NATS',
      "import { connect } from '@nats-io/transport-node';\nexport const c = connect;\n",
      'no-restricted-imports',
    ],
    ['Nest', "import { Injectable } from '@nestjs/common';\nexport const i = Injectable;\n", 'no-restricted-imports'],
    [
      'the runtime',
      "import { CohortNode } from '../runtime/cohort-node.js';\nexport const n = CohortNode;\n",
      'no-restricted-imports',
    ],
  ])('keeps %s out of the protocol core', async (_what, code, rule) => {
    expect(await ruleIds(code, protocolFile)).toContain(rule);
  });

  it('accepts pure code in the protocol core', async () => {
    expect(await ruleIds('export const add = (a: number, b: number): number => a + b;\n', protocolFile)).toEqual([]);
  });

  it('stops core importing nats or nestjs, and nats importing nestjs', async () => {
    expect(
      await ruleIds(
        "import { connect } from '@cohort/nats';\nexport const c = connect;\n",
        'packages/core/src/runtime/probe.ts',
      ),
    ).toContain('no-restricted-imports');
    expect(
      await ruleIds(
        "import { CohortModule } from '@cohort/nestjs';\nexport const m = CohortModule;\n",
        'packages/nats/src/probe.ts',
      ),
    ).toContain('no-restricted-imports');
    expect(
      await ruleIds(
        "import { connect } from '@cohort/nats';\nexport const c = connect;\n",
        'packages/nestjs/src/probe.ts',
      ),
    ).toEqual([]);
  });

  it('rejects enums everywhere', async () => {
    expect(await ruleIds('export enum Color { Red }\n', 'packages/nats/src/probe.ts')).toContain(
      'no-restricted-syntax',
    );
  });
});
