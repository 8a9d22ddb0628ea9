import { jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { Storage } from './cli.js';

/** A stream the driver created for the JetStream baseline; `remove()` deletes it and disconnects. */
export interface BenchStream {
  remove(): Promise<void>;
}

/** Creates stream `name` on `subject` with no limits, over a connection of the driver's own. */
export async function createStream(url: string, name: string, subject: string, storage: Storage): Promise<BenchStream> {
  const nc = await connect({ servers: url, name: 'bench-driver' });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name,
      subjects: [subject],
      storage: storage === 'memory' ? StorageType.Memory : StorageType.File,
    });
    return {
      async remove() {
        await jsm.streams.delete(name);
        await nc.close();
      },
    };
  } catch (error) {
    await nc.close();
    throw error;
  }
}
