import { fileURLToPath } from 'node:url';
import { spawnTracked } from '@cohort/nats-harness';
import type { TrackedProcess } from '@cohort/nats-harness';
import type { ReplicaStats } from '../ledger-replica.js';

const replicaMain = fileURLToPath(new URL('../main.js', import.meta.url));

export interface ViewLine {
  readonly t: number;
  readonly id: number;
  readonly members: string[];
  readonly joined?: string[];
  readonly left?: string[];
  readonly failed: string[];
}

/** A ledger replica process, read through its stdout lines (see ../main.ts). */
export class ReplicaProcess {
  id = '';
  readonly spawnedAt = Date.now();

  private constructor(
    readonly name: string,
    readonly proc: TrackedProcess,
  ) {}

  static async start(name: string, natsUrl: string, namespace: string): Promise<ReplicaProcess> {
    const proc = spawnTracked(process.execPath, [replicaMain], {
      name,
      stdin: true,
      env: { NATS_URL: natsUrl, COHORT_NAMESPACE: namespace, REPLICA_NAME: name },
    });
    const replica = new ReplicaProcess(name, proc);
    const ready = await proc.waitForLine((l) => l.startsWith('READY '), 30_000);
    replica.id = (JSON.parse(ready.slice('READY '.length)) as { id: string }).id;
    return replica;
  }

  records<T>(tag: string): T[] {
    const prefix = `${tag} `;
    return this.proc.lines.filter((l) => l.startsWith(prefix)).map((l) => JSON.parse(l.slice(prefix.length)) as T);
  }

  views(): ViewLine[] {
    return this.records<ViewLine>('VIEW');
  }

  meshViews(): ViewLine[] {
    return this.records<ViewLine>('MESH');
  }

  restored(): { t: number; bytes: number; ms: number; applied: number } | undefined {
    return this.records<{ t: number; bytes: number; ms: number; applied: number }>('RESTORED')[0];
  }

  async stats(): Promise<ReplicaStats> {
    const from = this.proc.lines.length;
    this.proc.writeLine('stats');
    const line = await this.proc.waitForLine((l) => l.startsWith('STATS '), 10_000, { from });
    return JSON.parse(line.slice('STATS '.length)) as ReplicaStats;
  }
}
