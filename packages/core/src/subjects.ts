import { validateName } from './names.js';

/**
 * Subjects of DESIGN §6. Every subject ends with the publishing node's name (the `sender` token
 * here; the node's id is `<name>-<instance>`, see node-id.ts), so that per-user publish
 * permissions on the server can make identity server-enforced: a fixed id could not serve, as an
 * id is random and changes with each incarnation (docs/design/security.md).
 */
export const GroupChannel = { data: 'data', order: 'order', ctl: 'ctl', join: 'join' } as const;
export type GroupChannel = (typeof GroupChannel)[keyof typeof GroupChannel];

export const MeshChannel = { hb: 'hb', join: 'join', ctl: 'ctl', beacon: 'beacon', dir: 'dir' } as const;
export type MeshChannel = (typeof MeshChannel)[keyof typeof MeshChannel];

export type ParsedSubject =
  | { readonly kind: 'group'; readonly group: string; readonly channel: GroupChannel; readonly sender: string }
  | { readonly kind: 'node'; readonly dest: string; readonly sender: string }
  | { readonly kind: 'mesh'; readonly channel: MeshChannel; readonly sender: string };

/** Parsed subjects kept: a node hears few distinct ones (channels × senders), one per frame. */
const MAX_PARSED = 4096;

export class Subjects {
  readonly prefix: string;
  private readonly parsed = new Map<string, ParsedSubject | undefined>();

  constructor(readonly namespace: string) {
    validateName('namespace', namespace);
    this.prefix = `cohort.${namespace}`;
  }

  group(group: string, channel: GroupChannel, sender: string): string {
    return `${this.prefix}.grp.${group}.${channel}.${sender}`;
  }

  /** Everything published in one group, by anyone. */
  groupWildcard(group: string): string {
    return `${this.prefix}.grp.${group}.*.*`;
  }

  node(dest: string, sender: string): string {
    return `${this.prefix}.node.${dest}.${sender}`;
  }

  /** Everything unicast to one node. */
  nodeInbox(dest: string): string {
    return `${this.prefix}.node.${dest}.*`;
  }

  mesh(channel: MeshChannel, sender: string): string {
    return `${this.prefix}.mesh.${channel}.${sender}`;
  }

  /** Everything published to the namespace's mesh, by anyone. */
  meshWildcard(): string {
    return `${this.prefix}.mesh.*.*`;
  }

  /**
   * Wildcards that cover every subject a node named `name` publishes on, and nothing another node
   * publishes on: what a NATS user of that node may be allowed to publish (docs/design/security.md).
   */
  publishedBy(name: string): string[] {
    return [`${this.prefix}.mesh.*.${name}`, `${this.prefix}.grp.*.*.${name}`, `${this.prefix}.node.*.${name}`];
  }

  /**
   * Where senders outside a group (the Nest transporter's CohortClient) send packets for it; its
   * members take them in a NATS queue group (docs/design/transport.md). Not a protocol subject:
   * nodes never subscribe to it, and it carries no sender token because the publisher is no node.
   */
  ingress(group: string): string {
    return `${this.prefix}.in.${group}`;
  }

  /**
   * Where an operator's tool asks every node of the namespace for its state (`cohort status`,
   * docs/design/status-protocol.md); each node answers on the request's reply subject. Not a
   * protocol subject either: it carries no sender token because the asker is no node, and it lies
   * outside the mesh, group and node wildcards, so protocol subscriptions never see it.
   */
  status(): string {
    return `${this.prefix}.status`;
  }

  /** Returns undefined for a subject outside this namespace's grammar. */
  parse(subject: string): ParsedSubject | undefined {
    const known = this.parsed.get(subject);
    if (known !== undefined || this.parsed.has(subject)) return known;
    const parsed = this.parseNew(subject);
    // Bounded: subjects of many departed nodes (or a peer that makes them up) only cost misses.
    if (this.parsed.size >= MAX_PARSED) this.parsed.clear();
    this.parsed.set(subject, parsed);
    return parsed;
  }

  private parseNew(subject: string): ParsedSubject | undefined {
    if (!subject.startsWith(`${this.prefix}.`)) return undefined;
    // Tokens are not validated here: the sender and group tokens are compared with the frame's
    // fields, which the decoder validates, so a malformed token can only cause a mismatch drop.
    const tokens = subject.slice(this.prefix.length + 1).split('.');
    const [scope, a, b, c] = tokens;
    if (scope === 'grp' && tokens.length === 4 && isGroupChannel(b)) {
      return { kind: 'group', group: a!, channel: b, sender: c! };
    }
    if (scope === 'node' && tokens.length === 3) return { kind: 'node', dest: a!, sender: b! };
    if (scope === 'mesh' && tokens.length === 3 && isMeshChannel(a)) return { kind: 'mesh', channel: a, sender: b! };
    return undefined;
  }
}

function isGroupChannel(token: string | undefined): token is GroupChannel {
  return token !== undefined && Object.hasOwn(GroupChannel, token);
}

function isMeshChannel(token: string | undefined): token is MeshChannel {
  return token !== undefined && Object.hasOwn(MeshChannel, token);
}
