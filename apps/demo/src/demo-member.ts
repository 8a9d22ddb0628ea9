import { Injectable } from '@nestjs/common';
import type { Group, View } from '@cohort/nestjs';
import { GroupMember, InjectGroup, OnMessage, OnView } from '@cohort/nestjs';
import type { DeliveryContext } from '@cohort/nestjs';
import { memberConfig } from './member-config.js';

const config = memberConfig();

export interface DemoMessage {
  readonly from: string;
  readonly n: number;
}

export type MemberEvent =
  | { kind: 'install'; view: View }
  | { kind: 'send'; msgId: string; viewId: number }
  | { kind: 'ack'; msgId: string }
  | { kind: 'deliver'; msgId: string; sender: string; viewId: number }
  | { kind: 'leave' };

/** The demo's group member: multicasts numbered messages and records what it sees, in order. */
@GroupMember(config.group)
@Injectable()
export class DemoMember {
  readonly events: MemberEvent[] = [];
  readonly delivered: Array<{ from: string; n: number; sender: string }> = [];
  private readonly waiters: Array<() => void> = [];

  constructor(@InjectGroup(config.group) readonly group: Group<DemoMessage>) {}

  @OnView()
  viewChanged(view: View): void {
    this.events.push({ kind: 'install', view });
    console.log(
      `VIEW ${JSON.stringify({ id: view.id, members: view.members, joined: view.joined, left: view.left, failed: view.failed })}`,
    );
    this.wake();
  }

  @OnMessage('demo')
  received(message: DemoMessage, ctx: DeliveryContext): void {
    this.events.push({ kind: 'deliver', msgId: `${ctx.sender}:${message.n}`, sender: ctx.sender, viewId: ctx.viewId });
    this.delivered.push({ from: message.from, n: message.n, sender: ctx.sender });
    this.wake();
  }

  /** Multicasts `count` messages; the history's send event gets the view the receipt names. */
  async send(self: string, count: number): Promise<void> {
    const pending: Promise<void>[] = [];
    for (let n = 1; n <= count; n++) {
      const send: MemberEvent = { kind: 'send', msgId: `${self}:${n}`, viewId: 0 };
      this.events.push(send);
      pending.push(
        this.group.multicast({ from: config.name, n }, { type: 'demo' }).then((receipt) => {
          send.viewId = receipt.viewId;
          this.events.push({ kind: 'ack', msgId: send.msgId });
        }),
      );
    }
    await Promise.all(pending);
  }

  async until(cond: () => boolean): Promise<void> {
    while (!cond()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
