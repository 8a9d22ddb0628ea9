import 'reflect-metadata';
import { validateName } from '@cohort/nats';
import { GROUP_MEMBER_METADATA } from '../constants.js';
import type { GroupMemberMetadata, GroupMemberOptions } from '../interfaces.js';
import { validateMemberOptions } from '../member-options.js';

/**
 * Makes every instance of the provider a member of `group`: the module joins the group at
 * application bootstrap and routes its deliveries and views to the `@OnMessage` and `@OnView`
 * methods. May be applied several times for several groups. Options are checked here, when the
 * class is declared, so that a typo fails at import with the group named.
 */
export function GroupMember(group: string, options: GroupMemberOptions = {}): ClassDecorator {
  validateName('group name', group);
  validateMemberOptions(group, options);
  return (target) => {
    const existing: GroupMemberMetadata[] = Reflect.getMetadata(GROUP_MEMBER_METADATA, target) ?? [];
    Reflect.defineMetadata(GROUP_MEMBER_METADATA, [...existing, { group, options }], target);
  };
}
