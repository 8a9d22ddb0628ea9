import type { Group } from '@cohort/nats';
import type { GroupTimeline } from './messages.js';
import { epochNow } from './scenario.js';

interface Unsubscribable {
  unsubscribe(): void;
}

/** Records, from now on, the views a member installs and how long each flush blocks it. */
export class GroupTimelineRecorder {
  readonly #startedAt = epochNow();
  readonly #views: { at: number; size: number }[] = [];
  readonly #blockedMs: number[] = [];
  readonly #subscriptions: Unsubscribable[];
  #flushingSince: number | undefined;

  constructor(group: Group<unknown>) {
    // views$ replays the current view: only later ones are changes.
    const currentId = group.view.id;
    this.#subscriptions = [
      group.views$.subscribe((view) => {
        if (view.id > currentId) this.#views.push({ at: epochNow(), size: view.members.length });
      }),
      group.status$.subscribe((status) => {
        if (status === 'flushing') this.#flushingSince ??= epochNow();
        else if (this.#flushingSince !== undefined) {
          this.#blockedMs.push(epochNow() - this.#flushingSince);
          this.#flushingSince = undefined;
        }
      }),
    ];
  }

  stop(lastDeliveryAt: number): GroupTimeline {
    for (const sub of this.#subscriptions) sub.unsubscribe();
    return { startedAt: this.#startedAt, lastDeliveryAt, views: this.#views, blockedMs: this.#blockedMs };
  }
}
