/**
 * The hub as a picture: Route Server and its instances on top, below them one column per cluster with
 * its route reflectors (a line per BGP session to each instance, coloured by the connection's state)
 * and its tenants, each with the /31s its gateways advertise. layoutHub places everything (pure,
 * deterministic, tested for overlaps and completeness); renderHubSvg turns the scene into SVG text.
 */
import type { Cluster, Tenant } from '../console/api-shapes.mjs';
import { escapeHtml } from '../console/html.mjs';
import { learnedPerInstance, phaseTone, routeServerInstances, shortInstance, type Tone } from '../console/tenant-status.mjs';

export type BoxKind = 'routeServer' | 'instance' | 'cluster' | 'reflector' | 'tenant' | 'block';

export interface Box {
  id: string;
  kind: BoxKind;
  x: number;
  y: number;
  w: number;
  h: number;
  label: string;
  sublabel?: string;
  /** Shown on hover: the full name, state or reason. */
  title: string;
  tone: Tone;
}

export interface Session {
  /** Reflector box id → instance (or Route Server) box id. */
  from: string;
  to: string;
  tone: Tone;
  dashed: boolean;
  title: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface HubScene {
  width: number;
  height: number;
  boxes: Box[];
  sessions: Session[];
}

/** Sizes in SVG user units; text is about 7 units a character at the 12-unit font the stylesheet sets. */
const M = 20;
const GAP = 24;
const CHAR = 7;
const INSTANCE = { w: 190, h: 40 };
const REFLECTOR = { w: 170, h: 44 };
const BLOCK = { w: 104, h: 20, gap: 6, perRow: 2 };
const TENANT_HEAD = 40;
const COLUMN_MIN = 2 * REFLECTOR.w + GAP + 2 * 12;
const HUB_Y = M;
const HUB_H = 90;
const CLUSTER_Y = HUB_Y + HUB_H + 70;

/** Cuts a label to what fits in `width` units, keeping both ends (a node's name differs at its end). */
export function fit(label: string, width: number): string {
  const max = Math.max(1, Math.floor((width - 12) / CHAR));
  if (label.length <= max) return label;
  const tail = Math.floor((max - 1) / 2);
  return `${label.slice(0, max - 1 - tail)}…${tail > 0 ? label.slice(-tail) : ''}`;
}

function sessionTone(state: string | undefined): { tone: Tone; dashed: boolean } {
  if (state === undefined) return { tone: 'bad', dashed: true };
  if (state === 'Connected') return { tone: 'ok', dashed: false };
  return { tone: 'busy', dashed: true };
}

export function layoutHub(clusters: readonly Cluster[], tenants: readonly Tenant[]): HubScene {
  const boxes: Box[] = [];
  const sessions: Session[] = [];
  const instances = routeServerInstances(tenants);
  // Tenants that hold routes now: a Deleted tenant advertises nothing and is left out of the picture.
  const shown = tenants.filter((t) => t.phase !== 'Deleted');
  const columns = clusters.map((c) => ({ cluster: c, width: Math.max(COLUMN_MIN, c.routeReflectors.length * (REFLECTOR.w + 12) + 12) }));
  const columnsWidth = columns.reduce((w, c) => w + c.width, 0) + GAP * Math.max(0, columns.length - 1);
  const hubInner = Math.max(instances.length, 1) * (INSTANCE.w + GAP) - GAP;
  const width = Math.max(columnsWidth, hubInner + 2 * 16) + 2 * M;

  const hubW = width - 2 * M;
  boxes.push({ id: 'routeServer', kind: 'routeServer', x: M, y: HUB_Y, w: hubW, h: HUB_H, label: 'Azure Route Server', title: `Route Server: ${instances.length === 0 ? 'its instances show once a tenant\'s routes are read' : instances.join(', ')}`, tone: 'idle' });
  const instanceX0 = M + (hubW - hubInner) / 2;
  const targets: Box[] = instances.length === 0
    ? [boxes[0]!]
    : instances.map((instance, i) => {
      const box: Box = { id: `instance:${instance}`, kind: 'instance', x: instanceX0 + i * (INSTANCE.w + GAP), y: HUB_Y + 36, w: INSTANCE.w, h: INSTANCE.h, label: shortInstance(instance), sublabel: `${learnedTotal(shown, instance)} /31 learned`, title: instance, tone: 'idle' };
      boxes.push(box);
      return box;
    });
  // Each reflector's sessions leave an instance at their own point of its lower edge, so lines stay apart.
  const reflectorCount = clusters.reduce((k, c) => k + c.routeReflectors.length, 0);
  let reflectorIndex = 0;

  let x = M + (width - 2 * M - columnsWidth) / 2;
  let height = CLUSTER_Y + 60;
  for (const { cluster, width: w } of columns) {
    const clusterBox: Box = { id: `cluster:${cluster.name}`, kind: 'cluster', x, y: CLUSTER_Y, w, h: 0, label: cluster.name, sublabel: `bootstrap ${cluster.bootstrap.state}${cluster.peering.inSync ? '' : ' · peering out of sync'}`, title: [cluster.name, ...cluster.peering.problems, ...(cluster.unreachable ? [cluster.unreachable] : [])].join('\n'), tone: cluster.bootstrap.state === 'Ready' && cluster.peering.inSync ? 'ok' : cluster.bootstrap.state === 'Failed' || !cluster.peering.inSync ? 'bad' : 'busy' };
    boxes.push(clusterBox);
    const rrX0 = x + (w - (cluster.routeReflectors.length * (REFLECTOR.w + 12) - 12)) / 2;
    cluster.routeReflectors.forEach((rr, i) => {
      const box: Box = { id: `reflector:${cluster.name}:${rr.name}`, kind: 'reflector', x: rrX0 + i * (REFLECTOR.w + 12), y: CLUSTER_Y + 40, w: REFLECTOR.w, h: REFLECTOR.h, label: rr.ip, sublabel: fit(rr.name, REFLECTOR.w), title: `${rr.name} (${rr.ip}), ${rr.ready ? 'ready' : 'not ready'}; BGP: ${rr.routeServerConnection ? `${rr.routeServerConnection.name} ${rr.routeServerConnection.state}` : 'no Route Server connection'}`, tone: rr.ready ? 'ok' : 'bad' };
      boxes.push(box);
      const { tone, dashed } = sessionTone(rr.routeServerConnection?.state);
      const share = (reflectorIndex + 1) / (reflectorCount + 1);
      reflectorIndex += 1;
      for (const target of targets) {
        sessions.push({ from: box.id, to: target.id, tone, dashed, title: `${rr.ip} ↔ ${target.id.replace(/^instance:/, '')}: ${rr.routeServerConnection?.state ?? 'no connection'}`, x1: box.x + box.w / 2, y1: box.y, x2: target.x + share * target.w, y2: target.y + target.h });
      }
    });
    let y = CLUSTER_Y + 40 + REFLECTOR.h + 20;
    const own = shown.filter((t) => t.cluster === cluster.name).sort((a, b) => a.name.localeCompare(b.name));
    for (const t of own) {
      const rows = Math.ceil(t.routes.expected.length / BLOCK.perRow);
      const h = TENANT_HEAD + rows * (BLOCK.h + BLOCK.gap) + (rows > 0 ? 4 : 0);
      const learned = learnedPerInstance(t, instances);
      const allLearned = learned.length > 0 && learned.every((l) => l.complete);
      boxes.push({ id: `tenant:${t.cluster}/${t.name}`, kind: 'tenant', x: x + 12, y, w: w - 24, h, label: fit(`${t.name}  ${t.cidr ?? ''}`, w - 24), sublabel: fit(`${t.phase}${learned.length ? ` · ${learned.map((l) => `${shortInstance(l.instance)} ${l.learned}/${l.expected}`).join(' · ')}` : ''}`, w - 24), title: `${t.name}: ${t.phase}, ${t.cidr ?? 'no CIDR'}`, tone: phaseTone(t.phase) });
      t.routes.expected.forEach((block, i) => {
        const bx = x + 24 + (i % BLOCK.perRow) * (BLOCK.w + BLOCK.gap);
        const by = y + TENANT_HEAD + Math.floor(i / BLOCK.perRow) * (BLOCK.h + BLOCK.gap);
        boxes.push({ id: `block:${t.cluster}/${t.name}:${block}`, kind: 'block', x: bx, y: by, w: BLOCK.w, h: BLOCK.h, label: block, title: `${block}: ${allLearned ? 'learned on every instance' : 'not yet learned on every instance'}`, tone: allLearned ? 'ok' : 'busy' });
      });
      y += h + 10;
    }
    if (own.length === 0) y += 10;
    clusterBox.h = y - CLUSTER_Y;
    height = Math.max(height, y + M);
    x += w + GAP;
  }
  return { width: Math.ceil(width), height: Math.ceil(height), boxes, sessions };
}

function learnedTotal(tenants: readonly Tenant[], instance: string): number {
  return tenants.reduce((n, t) => n + (t.routes.learned[instance] ?? 0), 0);
}

const n = (v: number): string => String(Math.round(v * 10) / 10);

export function renderHubSvg(scene: HubScene): string {
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="hub" viewBox="0 0 ${scene.width} ${scene.height}" width="${scene.width}" height="${scene.height}" role="img" aria-label="Hub: Route Server, route reflectors, BGP sessions and tenant /31s">`);
  const byKind = (kind: BoxKind) => scene.boxes.filter((b) => b.kind === kind);
  // Containers' frames first, then sessions, then every label and inner box, so lines never hide a label.
  const containers = [...byKind('routeServer'), ...byKind('cluster')];
  for (const b of containers) parts.push(`<g class="box ${b.kind} ${b.tone}" data-id="${escapeHtml(b.id)}"><title>${escapeHtml(b.title)}</title>${frame(b, 10)}</g>`);
  for (const s of scene.sessions) {
    parts.push(`<line class="session ${s.tone}${s.dashed ? ' dashed' : ''}" x1="${n(s.x1)}" y1="${n(s.y1)}" x2="${n(s.x2)}" y2="${n(s.y2)}"${s.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${escapeHtml(s.title)}</title></line>`);
  }
  for (const b of containers) parts.push(`<g class="box ${b.kind} ${b.tone} caption">${labels(b)}</g>`);
  for (const b of [...byKind('instance'), ...byKind('reflector'), ...byKind('tenant'), ...byKind('block')]) {
    parts.push(`<g class="box ${b.kind} ${b.tone}" data-id="${escapeHtml(b.id)}"><title>${escapeHtml(b.title)}</title>${frame(b, 6)}${labels(b)}</g>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

const frame = (b: Box, radius: number): string => `<rect x="${n(b.x)}" y="${n(b.y)}" width="${n(b.w)}" height="${n(b.h)}" rx="${radius}"/>`;

function labels(b: Box): string {
  if (b.kind === 'block') return `<text class="label block" x="${n(b.x + b.w / 2)}" y="${n(b.y + 14)}" text-anchor="middle">${escapeHtml(b.label)}</text>`;
  return `<text class="label" x="${n(b.x + 10)}" y="${n(b.y + 18)}">${escapeHtml(b.label)}</text>${b.sublabel ? `<text class="sublabel" x="${n(b.x + 10)}" y="${n(b.y + 33)}">${escapeHtml(b.sublabel)}</text>` : ''}`;
}
