import type { MeshBeaconFrame } from '../../wire/frame.js';
import type { MemberId, View } from '../view.js';
import { isMember } from '../view.js';

/** What a beacon heard by a member means for it. */
export type BeaconVerdict =
  /** Its own root, or a mesh junior to its own: nothing to do. */
  | 'ignore'
  /** The root of a later view of its own mesh, which it never saw: catch up from it. */
  | 'catch-up'
  /** Another mesh, senior to its own: leave this one and rejoin that one. */
  | 'merge';

/**
 * Which mesh a node belongs to and how it meets others in the namespace (docs/design/membership.md,
 * "Two meshes in one namespace"): the founder that names its mesh, the root's beacon period, the
 * roots of later views of the same mesh it trusts for catching up, and how long a joiner lets a
 * mesh it hears hold it back from forming its own.
 */
export class MeshIdentity {
  /** The node that formed this mesh's first view; every member learns it from its first commit. */
  founder: MemberId | undefined;
  private readonly lineage = new Set<MemberId>();
  private lastBeaconAt = Number.NEGATIVE_INFINITY;
  private beaconHeardAt = Number.NEGATIVE_INFINITY;
  private joiningSince = 0;

  constructor(private readonly joinTimeoutMs: number) {}

  startJoining(now: number): void {
    this.joiningSince = now;
  }

  /** True when the root should publish its beacon now; the caller then does. */
  beaconDue(now: number): boolean {
    if (this.founder === undefined || now - this.lastBeaconAt < this.joinTimeoutMs) return false;
    this.lastBeaconAt = now;
    return true;
  }

  /**
   * Whether a joiner that hears a mesh should keep waiting to be admitted rather than form a
   * mesh of its own: always for a working root's beacon. A blocked mesh heartbeats too and admits
   * nobody, so heartbeats hold the joiner back for three join timeouts at most without a beacon
   * (the blocked mesh then merges into the one the joiner forms).
   */
  holdsBack(kind: 'beacon' | 'heartbeat', now: number): boolean {
    if (kind === 'beacon') {
      this.beaconHeardAt = now;
      return true;
    }
    return now - Math.max(this.beaconHeardAt, this.joiningSince) < 3 * this.joinTimeoutMs;
  }

  /** Commits from a root of a later view of this mesh are trusted like those of view members. */
  trusts(sender: MemberId): boolean {
    return this.lineage.has(sender);
  }

  /**
   * A beacon heard by a member in `view`. Another founder's mesh is senior when this one is
   * blocked (it cannot change its views by itself any more), smaller, or as large with a root of
   * larger id; a junior node leaves its mesh and rejoins the senior one as a new incarnation.
   */
  judge(frame: MeshBeaconFrame, view: View, blocked: boolean): BeaconVerdict {
    if (isMember(view, frame.sender)) return 'ignore';
    if (frame.founder === this.founder) {
      // Every member of this node's view may be gone: the later view's root tells it whether it
      // was removed meanwhile.
      if (frame.viewId <= view.id) return 'ignore';
      this.lineage.add(frame.sender);
      return 'catch-up';
    }
    const size = view.members.length;
    const junior = blocked || frame.size > size || (frame.size === size && frame.sender < view.coordinator);
    return junior ? 'merge' : 'ignore';
  }
}
