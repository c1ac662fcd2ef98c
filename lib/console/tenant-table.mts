/**
 * The console's first page: every cluster with its tenants (phase, CIDR, routes learned per Route
 * Server instance, firewall state). Pure: API shapes in, markup out.
 */
import type { Cluster, Tenant } from '../console/api-shapes.mjs';
import { html, type Markup } from '../console/html.mjs';
import { firewallState, learnedPerInstance, phaseTone, routeServerInstances, shortInstance } from '../console/tenant-status.mjs';

export interface ClusterGroup {
  cluster: string;
  bootstrap: string;
  problems: string[];
  tenants: Tenant[];
}

/** Clusters in the order AKS lists them, each with its tenants by name; tenants of clusters AKS no longer lists last. */
export function groupByCluster(clusters: readonly Cluster[], tenants: readonly Tenant[]): ClusterGroup[] {
  const byName = (a: Tenant, b: Tenant) => a.name.localeCompare(b.name);
  const groups: ClusterGroup[] = clusters.map((c) => ({
    cluster: c.name,
    bootstrap: c.bootstrap.state,
    problems: [...(c.unreachable ? [c.unreachable] : []), ...(c.bootstrap.error ? [c.bootstrap.error] : []), ...c.peering.problems],
    tenants: tenants.filter((t) => t.cluster === c.name).sort(byName),
  }));
  const known = new Set(clusters.map((c) => c.name));
  const orphans = [...new Set(tenants.filter((t) => !known.has(t.cluster)).map((t) => t.cluster))].sort();
  for (const cluster of orphans) groups.push({ cluster, bootstrap: 'not listed by AKS', problems: [], tenants: tenants.filter((t) => t.cluster === cluster).sort(byName) });
  return groups;
}

export const tenantHref = (t: Pick<Tenant, 'cluster' | 'name'>): string => `#/tenants/${encodeURIComponent(t.cluster)}/${encodeURIComponent(t.name)}`;

export function renderTenantsPage(clusters: readonly Cluster[], tenants: readonly Tenant[]): Markup {
  const instances = routeServerInstances(tenants);
  const groups = groupByCluster(clusters, tenants);
  if (groups.length === 0) return html`<p class="empty">No AKS cluster in the resource group yet: create one, or bootstrap an existing one with <code>POST /api/clusters/{name}/bootstrap</code>.</p>`;
  return html`${groups.map((g) => html`
<section class="cluster" data-cluster="${g.cluster}">
  <h2>${g.cluster} <span class="badge ${g.bootstrap === 'Ready' ? 'ok' : g.bootstrap === 'Failed' ? 'bad' : 'busy'}" title="cluster bootstrap">${g.bootstrap}</span></h2>
  ${g.problems.length ? html`<ul class="problems">${g.problems.map((p) => html`<li>${p}</li>`)}</ul>` : null}
  ${g.tenants.length === 0 ? html`<p class="empty">No tenant on this cluster.</p>` : html`
  <table class="tenants">
    <thead><tr><th>Tenant</th><th>Phase</th><th>CIDR</th>${instances.map((i) => html`<th title="${i}">/31s learned on ${shortInstance(i)}</th>`)}<th>Firewall</th></tr></thead>
    <tbody>${g.tenants.map((t) => tenantRow(t, instances))}</tbody>
  </table>`}
</section>`)}`;
}

function tenantRow(t: Tenant, instances: readonly string[]): Markup {
  const fw = firewallState(t);
  const learned = learnedPerInstance(t, instances);
  return html`<tr data-tenant="${t.cluster}/${t.name}" data-phase="${t.phase}">
    <td><a href="${tenantHref(t)}">${t.name}</a></td>
    <td><span class="badge ${phaseTone(t.phase)}">${t.phase}</span>${t.error ? html`<div class="error-line">${t.error}</div>` : null}</td>
    <td><code>${t.cidr ?? '—'}</code></td>
    ${learned.map((l) => html`<td><span class="count ${l.complete ? 'ok' : 'busy'}" title="${l.instance}">${l.learned}/${l.expected}</span></td>`)}
    <td><span class="badge ${fw.tone}" title="${fw.detail ?? ''}">${fw.label}</span>${fw.tone === 'busy' && fw.detail ? html`<div class="note">${fw.detail}</div>` : null}</td>
  </tr>`;
}
