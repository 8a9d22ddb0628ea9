import type { Observable } from 'rxjs';
import { BehaviorSubject, ReplaySubject } from 'rxjs';
import { MeshMachine } from '../protocol/mesh/mesh-machine.js';
import type { MeshConfig } from '../protocol/mesh/mesh-config.js';
import type { MeshDestination, MeshInput, MeshStatus } from '../protocol/mesh/mesh-messages.js';
import type { MemberId, View } from '../protocol/view.js';
import type { MeshFrame } from '../wire/frame.js';
import type { CohortLogger } from './logger.js';

/** How the driver reaches the bus and the node's drop counters. */
export interface MeshPort {
  publish(to: MeshDestination, frame: MeshFrame): void;
  countDrop(reason: string, detail: string): void;
  readonly logger: CohortLogger;
  now(): number;
}

/**
 * Runs the node's tier-1 MeshMachine: queues its inputs (so outputs execute in the order the
 * machine produced them), executes its outputs, and exposes the mesh view and status as streams.
 */
export class MeshDriver {
  private readonly machine: MeshMachine;
  private readonly inbox: MeshInput[] = [];
  private busy = false;
  private readonly viewsSubject = new ReplaySubject<View>(1);
  private readonly statusSubject = new BehaviorSubject<MeshStatus>('joining');
  private readonly waiters: Array<() => void> = [];

  readonly views$: Observable<View> = this.viewsSubject.asObservable();
  readonly status$: Observable<MeshStatus> = this.statusSubject.asObservable();

  constructor(
    readonly self: MemberId,
    config: MeshConfig,
    private readonly port: MeshPort,
  ) {
    this.machine = new MeshMachine(self, config);
  }

  get view(): View | undefined {
    return this.machine.currentView;
  }

  get status(): MeshStatus {
    return this.statusSubject.value;
  }

  start(): void {
    this.dispatch({ kind: 'start', now: this.port.now() });
  }

  tick(now: number): void {
    this.dispatch({ kind: 'tick', now });
  }

  busChanged(up: boolean): void {
    this.port.logger.warn(`node ${this.self}: connection to the bus ${up ? 'restored' : 'lost'}`, 'Cohort');
    this.dispatch({ kind: 'bus', up, now: this.port.now() });
  }

  receive(frame: MeshFrame): void {
    this.dispatch({ kind: 'frame', frame, now: this.port.now() });
  }

  /** Leaves the mesh gracefully; resolves once out of it, or after `timeoutMs`. */
  async leave(timeoutMs: number): Promise<void> {
    if (this.ended()) return;
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    this.dispatch({ kind: 'leave', now: this.port.now() });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  private ended(): boolean {
    return this.status === 'left' || this.status === 'removed';
  }

  private dispatch(input: MeshInput): void {
    this.inbox.push(input);
    if (this.busy) return;
    this.busy = true;
    try {
      for (let next = this.inbox.shift(); next !== undefined; next = this.inbox.shift()) {
        for (const output of this.machine.step(next)) {
          switch (output.kind) {
            case 'send':
              this.port.publish(output.to, output.frame);
              break;
            case 'install':
              this.viewsSubject.next(output.view);
              break;
            case 'status':
              this.onStatus(output.status);
              break;
            case 'suspect':
              this.port.logger.debug?.(
                `mesh: ${output.member} ${output.unreachable ? 'unreachable' : 'reachable again'}`,
                'Cohort',
              );
              break;
            case 'drop':
              this.port.countDrop(
                'mesh-unexpected',
                `mesh: dropped ${output.frame.kind} from ${output.frame.sender}: ${output.detail}`,
              );
              break;
          }
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private onStatus(status: MeshStatus): void {
    if (status === this.statusSubject.value) return;
    this.statusSubject.next(status);
    if (status === 'removed') {
      this.port.logger.error(
        `node ${this.self} was removed from the mesh (a partition or a long pause); it no longer takes part. Rejoining as a new incarnation is not implemented yet: restart the process.`,
        'Cohort',
      );
    } else if (status === 'blocked') {
      this.port.logger.warn(`node ${this.self} cannot reach a majority of its mesh view: blocked`, 'Cohort');
    }
    if (this.ended()) for (const w of this.waiters.splice(0)) w();
  }
}
