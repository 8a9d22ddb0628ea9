import { Injectable } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ConfigurationError } from '@cohort/nats';
import {
  GROUP_MEMBER_METADATA,
  ON_MESSAGE_METADATA,
  ON_STATE_REQUEST_METADATA,
  ON_STATE_TRANSFER_METADATA,
  ON_VIEW_METADATA,
} from './constants.js';
import type { GroupMemberMetadata, OnMessageMetadata, OnViewMetadata, StateHandlerMetadata } from './interfaces.js';
import type { MessageHandler, StateRequestHandler, StateTransferHandler, ViewHandler } from './cohort.registry.js';
import { CohortRegistry } from './cohort.registry.js';

/**
 * Finds `@GroupMember` providers and their `@OnMessage`, `@OnView`, `@OnStateRequest` and
 * `@OnStateTransfer` methods at module init and records them in the registry. Membership is per process, so request- and transient-scoped
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
    for (const group of this.registry.all()) {
      const half = group.stateRequest === undefined ? group.stateTransfer : group.stateRequest;
      if (half !== undefined && (group.stateRequest === undefined || group.stateTransfer === undefined)) {
        throw new ConfigurationError(
          half.where,
          `group '${group.name}' has ${group.stateRequest === undefined ? 'an @OnStateTransfer but no @OnStateRequest' : 'an @OnStateRequest but no @OnStateTransfer'} method; state transfer needs both (one to take the state, one to restore it)`,
        );
      }
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
      const onStateRequest: StateHandlerMetadata | undefined = Reflect.getMetadata(ON_STATE_REQUEST_METADATA, fn);
      for (const group of onStateRequest === undefined ? [] : targetGroups(method, onStateRequest.group, groups)) {
        const entry = this.registry.ensure(group);
        onlyOne(group, '@OnStateRequest', entry.stateRequest?.where, method);
        entry.stateRequest = { fn: (fn as StateRequestHandler).bind(instance), where: method };
      }
      const onStateTransfer: StateHandlerMetadata | undefined = Reflect.getMetadata(ON_STATE_TRANSFER_METADATA, fn);
      for (const group of onStateTransfer === undefined ? [] : targetGroups(method, onStateTransfer.group, groups)) {
        const entry = this.registry.ensure(group);
        onlyOne(group, '@OnStateTransfer', entry.stateTransfer?.where, method);
        entry.stateTransfer = { fn: (fn as StateTransferHandler).bind(instance), where: method };
      }
    }
  }
}

/** One state per group and process: two methods that each think they own it cannot both be right. */
function onlyOne(group: string, decorator: string, existing: string | undefined, method: string): void {
  if (existing !== undefined) {
    throw new ConfigurationError(
      method,
      `group '${group}' already has a ${decorator} method (${existing}); a group has one state per process, so at most one`,
    );
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
