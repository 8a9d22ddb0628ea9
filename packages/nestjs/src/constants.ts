export const GROUP_MEMBER_METADATA = 'cohort:group-member';
export const ON_MESSAGE_METADATA = 'cohort:on-message';
export const ON_VIEW_METADATA = 'cohort:on-view';
export const ON_STATE_REQUEST_METADATA = 'cohort:on-state-request';
export const ON_STATE_TRANSFER_METADATA = 'cohort:on-state-transfer';
export const COHORT_NODE = Symbol('COHORT_NODE');

/** DI token of the handle of one group, as injected by `@InjectGroup(group)`. */
export function getGroupToken(group: string): string {
  return `CohortGroup:${group}`;
}
