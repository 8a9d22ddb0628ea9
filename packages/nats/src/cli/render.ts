import type { GroupMemberSummary, GroupSummary } from '../status/status-merge.js';
import type { StatusGathering } from '../status/gather.js';

// The human output of `cohort status`: a mesh section, then one section per group, as plain
// aligned tables (the output is for a terminal or a log, and must stay readable in both).

/** Columns padded to their widest cell, two spaces apart, with a dashed rule under the header. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** 42s, 3m 05s, 2h 03m, 4d 07h: the two largest units, enough to tell a restarted node. */
export function formatAge(ms: number): string {
  if (ms < 0) return `${formatAge(-ms)} in the future (clock skew)`;
  const s = Math.floor(ms / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d ${two(Math.floor(s / 3600) % 24)}h`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const LEGEND = [
  "counters since the member joined; backlog: messages held until every member has them (its own and others');",
  'queued: multicasts waiting for the send window or a flush; drops: frames its node dropped, in all groups',
].join('\n');

export function render(g: StatusGathering): string {
  const out: string[] = [];
  const when = new Date(g.at).toISOString();
  out.push(`namespace ${g.namespace}: ${plural(g.reports.length, 'node')} answered in ${g.elapsedMs} ms (${when})`);
  if (g.reports.length === 0) out.push('no node answered');
  out.push('', ...meshSection(g));
  for (const group of g.groups) out.push('', ...groupSection(group));
  if (g.groups.length > 0) out.push('', LEGEND);
  return out.join('\n');
}

function meshSection(g: StatusGathering): string[] {
  const { mesh } = g;
  const out: string[] = [];
  if (mesh.view === undefined) out.push('mesh: no answering node has a mesh view yet');
  else {
    const source = mesh.rootAnswered ? 'as the root reports it' : 'the root did not answer: as another node reports it';
    out.push(
      `mesh: view ${mesh.view.id}, root ${mesh.root}, ${plural(mesh.view.members.length, 'member')} (${source})`,
    );
  }
  const rows = g.nodes.map((n) => [
    n.id,
    n.name,
    n.meshStatus,
    n.meshViewId === undefined ? '-' : String(n.meshViewId),
    formatAge(n.ageMs),
    String(n.groups),
    String(n.drops),
  ]);
  if (rows.length > 0) out.push(table(['node', 'name', 'mesh', 'view', 'age', 'groups', 'drops'], rows));
  if (mesh.missing.length > 0) out.push(`not answering (in the mesh view): ${mesh.missing.join(', ')}`);
  if (mesh.outside.length > 0) out.push(`answering but outside the mesh view: ${mesh.outside.join(', ')}`);
  for (const r of mesh.otherRoots) {
    out.push(`another root: ${r.id} coordinates mesh view ${r.viewId} of ${plural(r.members, 'member')}`);
  }
  for (const n of g.nodes) {
    const t = n.truncated;
    if (t === undefined) continue;
    const meshView = t.meshViewOmitted ? ' and no mesh view' : '';
    out.push(
      `${n.id} answered with ${t.groupsTotal - t.groupsOmitted} of its ${t.groupsTotal} groups${meshView}: ` +
        `its report exceeds the server's max_payload of ${t.maxPayload} bytes`,
    );
  }
  for (const e of g.errors) out.push(`${e.node.id} refused: ${e.error.code}: ${e.error.message}`);
  if (g.malformed > 0) out.push(`${plural(g.malformed, 'malformed answer')} ignored`);
  return out;
}

const NO_ROW: Record<Exclude<GroupMemberSummary['detail'], 'reported'>, string> = {
  'no-answer': 'no answer',
  truncated: 'not in its answer (truncated)',
  absent: 'not in the group by its own report',
};

function memberCells(m: GroupMemberSummary): string[] {
  if (m.detail !== 'reported') return [m.id, NO_ROW[m.detail]];
  const c = m.counters!;
  const l = m.load!;
  return [
    m.id,
    m.status ?? '-',
    m.viewId === undefined ? '-' : String(m.viewId),
    String(c.deliveries),
    String(c.multicasts),
    String(c.retransmissions),
    String(c.naks),
    String(c.flushes),
    String(l.own + l.others),
    String(l.queued),
    String(m.nodeDrops ?? 0),
  ];
}

const MEMBER_HEADER = [
  'member',
  'status',
  'view',
  'deliveries',
  'multicasts',
  'retransmissions',
  'naks',
  'flushes',
  'backlog',
  'queued',
  'drops',
];

function groupSection(g: GroupSummary): string[] {
  const mode = `${g.ordering}, ${g.delivery}`;
  const head =
    g.view === undefined
      ? `group ${g.name} (${mode}): no view installed yet`
      : `group ${g.name} (${mode}): view ${g.view.id}, coordinator ${g.view.coordinator}, ${plural(g.view.members.length, 'member')}`;
  const out = [head];
  const rows = [...g.members, ...g.others].map(memberCells);
  if (rows.length > 0) out.push(table(MEMBER_HEADER, rows));
  if (g.others.length > 0) {
    out.push(`not in view ${g.view?.id ?? '-'} but reporting the group: ${g.others.map((o) => o.id).join(', ')}`);
  }
  return out;
}
