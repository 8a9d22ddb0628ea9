/** A member of a group is a node, named by its node id exactly as it appears in `View.members`. */
export type MemberId = string;

/**
 * One view of a group: its members ordered by age (oldest first) and the coordinator, with what
 * changed from the previous view. View ids of a group strictly increase.
 */
export interface View {
  readonly group: string;
  readonly id: number;
  readonly members: readonly MemberId[];
  readonly coordinator: MemberId;
  readonly joined: readonly MemberId[];
  readonly left: readonly MemberId[];
  readonly failed: readonly MemberId[];
}

export function rankOf(view: View, member: MemberId): number {
  return view.members.indexOf(member);
}

export function isMember(view: View | undefined, member: MemberId): boolean {
  return view !== undefined && view.members.includes(member);
}

export function sameView(a: View, b: View): boolean {
  return (
    a.group === b.group &&
    a.id === b.id &&
    a.coordinator === b.coordinator &&
    a.members.length === b.members.length &&
    a.members.every((m, i) => b.members[i] === m)
  );
}
