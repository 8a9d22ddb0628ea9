import { Injectable } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ConfigurationError } from '@cohort/nats';
import { GROUP_MEMBER_METADATA, ON_MESSAGE_METADATA, ON_VIEW_METADATA } from './constants.js';
import type { GroupMemberMetadata, OnMessageMetadata, OnViewMetadata } from './interfaces.js';
import type { MessageHandler, ViewHandler } from './cohort.registry.js';
import { CohortRegistry } from './cohort.registry.js';

/**
 * Finds `@GroupMember` providers and their `@OnMessage` / `@OnView` methods at module init and
 * records them in the registry. Membership is per process, so request- and transient-scoped
 * members are rejected: there would be no single instance to deliver to.
 */
@Injectable()
export class CohortExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly registry: CohortRegistry,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const type = (wrapper.instance?.constructor ?? wrapper.metatype) as
        (abstract new (...args: never[]) => unknown) | undefined;
      if (typeof type !== 'function') continue;
      const memberships: GroupMemberMetadata[] | undefined = Reflect.getMetadata(GROUP_MEMBER_METADATA, type);
      if (memberships === undefined || memberships.length === 0) continue;
      if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
        throw new ConfigurationError(
          `@GroupMember ${type.name}`,
          'a group member must be a singleton provider (default scope); request- or transient-scoped providers cannot be members because there is no single instance to deliver to',
        );
      }
      if (wrapper.instance === undefined || wrapper.instance === null) continue;
      this.register(type.name, wrapper.instance as object, memberships);
    }
  }

  private register(where: string, instance: object, memberships: GroupMemberMetadata[]): void {
    const groups = memberships.map((m) => m.group);
    for (const { group, options } of memberships) {
      const entry = this.registry.ensure(group);
      if (entry.members.length > 0 && !sameOptions(entry.options, options)) {
        throw new ConfigurationError(
          `@GroupMember('${group}')`,
          `${where} declares ordering/delivery ${describe(options)} but ${entry.members.join(', ')} declared ${describe(entry.options)}; every member of a group in one process must agree`,
        );
      }
      entry.options = { ...entry.options, ...options };
      entry.members.push(where);
    }
    const proto = Object.getPrototypeOf(instance) as object;
    for (const name of this.scanner.getAllMethodNames(proto)) {
      const fn = (proto as Record<string, unknown>)[name];
      if (typeof fn !== 'function') continue;
      const onMessage: OnMessageMetadata | undefined = Reflect.getMetadata(ON_MESSAGE_METADATA, fn);
      const onView: OnViewMetadata | undefined = Reflect.getMetadata(ON_VIEW_METADATA, fn);
      const method = `${where}.${name}`;
      if (onMessage !== undefined) {
        for (const group of targetGroups(method, onMessage.group, groups)) {
          this.registry
            .ensure(group)
            .messageHandlers.push({ type: onMessage.type, fn: (fn as MessageHandler).bind(instance), where: method });
        }
      }
      if (onView !== undefined) {
        for (const group of targetGroups(method, onView.group, groups)) {
          this.registry.ensure(group).viewHandlers.push({ fn: (fn as ViewHandler).bind(instance), where: method });
        }
      }
    }
  }
}

function targetGroups(method: string, named: string | undefined, groups: string[]): string[] {
  if (named === undefined) return groups;
  if (!groups.includes(named)) {
    throw new ConfigurationError(
      method,
      `handles group '${named}' but its class is a @GroupMember of ${groups.map((g) => `'${g}'`).join(', ')} only`,
    );
  }
  return [named];
}

function sameOptions(
  a: { ordering?: string; delivery?: string },
  b: { ordering?: string; delivery?: string },
): boolean {
  return (a.ordering ?? 'fifo') === (b.ordering ?? 'fifo') && (a.delivery ?? 'agreed') === (b.delivery ?? 'agreed');
}

function describe(o: { ordering?: string; delivery?: string }): string {
  return `${o.ordering ?? 'fifo'}/${o.delivery ?? 'agreed'}`;
}
