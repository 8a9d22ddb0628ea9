import type { Observable } from 'rxjs';
import { BehaviorSubject, ReplaySubject } from 'rxjs';
import type { MeshOutput, MeshStatus } from '../protocol/mesh/mesh-messages.js';
import type { MemberId, View } from '../protocol/view.js';
import type { CohortLogger } from './logger.js';

/**
 * The node's tier-1 state as the application sees it: the mesh view and status as streams,
 * warnings of what an operator must act on, and waiters for the end of a graceful mesh leave.
 * (Views and suspicions are logged with the node's events, by NodeObserver.)
 */
export class MeshStreams {
  private readonly viewsSubject = new ReplaySubject<View>(1);
  private readonly statusSubject = new BehaviorSubject<MeshStatus>('joining');
  private readonly waiters: Array<() => void> = [];
  private current: View | undefined;

  readonly views$: Observable<View> = this.viewsSubject.asObservable();
  readonly status$: Observable<MeshStatus> = this.statusSubject.asObservable();

  constructor(
    private readonly logger: CohortLogger,
    private readonly countDrop: (reason: string, detail: string) => void,
  ) {}

  get view(): View | undefined {
    return this.current;
  }

  get status(): MeshStatus {
    return this.statusSubject.value;
  }

  get ended(): boolean {
    return this.status === 'left' || this.status === 'removed';
  }

  /** Resolves once the node is out of the mesh, or after `timeoutMs`. */
  async waitForEnd(timeoutMs: number): Promise<void> {
    if (this.ended) return;
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  busChanged(self: MemberId, up: boolean): void {
    this.logger.warn(`node ${self}: connection to the bus ${up ? 'restored' : 'lost'}`, 'Cohort');
  }

  apply(self: MemberId, output: Exclude<MeshOutput, { kind: 'send' }>): void {
    switch (output.kind) {
      case 'install':
        this.current = output.view;
        this.viewsSubject.next(output.view);
        return;
      case 'status':
        return this.onStatus(self, output.status);
      case 'merging':
        this.logger.warn(
          `node ${self}: another mesh of this namespace (root ${output.into}, ${output.size} nodes) is senior to this one (${output.ownSize} nodes): leaving this one to join it`,
          'Cohort',
        );
        return;
      case 'drop':
        this.countDrop(
          'mesh-unexpected',
          `mesh: dropped ${output.frame.kind} from ${output.frame.sender}: ${output.detail}`,
        );
        return;
    }
  }

  private onStatus(self: MemberId, status: MeshStatus): void {
    if (status === this.statusSubject.value) return;
    this.statusSubject.next(status);
    if (status === 'removed') {
      this.logger.warn(
        `node ${self} was removed from the mesh (a partition or a long pause); what it delivered stands, and it rejoins the mesh and its groups as a new incarnation`,
        'Cohort',
      );
    } else if (status === 'blocked') {
      this.logger.warn(`node ${self} cannot reach a majority of its mesh view: blocked`, 'Cohort');
    }
    if (this.ended) for (const w of this.waiters.splice(0)) w();
  }
}
