import { Inject } from '@nestjs/common';
import { validateName } from '@cohort/nats';
import { getGroupToken } from '../constants.js';
import { declaredGroups } from '../group-declarations.js';

/**
 * Injects the `Group<T>` handle of `group`. The handle can be injected before the group is
 * joined (joining happens at application bootstrap); its streams start when the view does.
 */
export function InjectGroup(group: string): PropertyDecorator & ParameterDecorator {
  validateName('group name', group);
  declaredGroups.add(group);
  return Inject(getGroupToken(group));
}
