// One Jest run over every project, so that `npm test` reports a single pass/fail summary.
export default {
  projects: [
    '<rootDir>/packages/core',
    '<rootDir>/packages/nats',
    '<rootDir>/packages/nestjs',
    '<rootDir>/libs/checkers',
    '<rootDir>/libs/nats-harness',
    '<rootDir>/libs/simulation',
    '<rootDir>/apps/ledger',
    '<rootDir>/apps/forum',
    '<rootDir>/apps/vopr',
    '<rootDir>/apps/bench',
    '<rootDir>/apps/chaos',
  ],
};
