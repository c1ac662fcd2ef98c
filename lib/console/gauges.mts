/**
 * The capacity view as gauges (GET /api/capacity `gauges`): grouped by scope (a cluster's egress pool,
 * a route reflector peer, a firewall policy), each a bar of used against its limit. Pure.
 */
import type { Gauge } from '../console/api-shapes.mjs';
import { html, type Markup } from '../console/html.mjs';

export type Level = 'ok' | 'warn' | 'full';

/** Warn from 70 % of a limit, full from 90 %: Azure's limits are hard, and onboarding takes minutes. */
export function gaugeLevel(used: number, limit: number): Level {
  if (limit <= 0) return used > 0 ? 'full' : 'ok';
  const f = used / limit;
  return f >= 0.9 ? 'full' : f >= 0.7 ? 'warn' : 'ok';
}

export function gaugesByScope(gauges: readonly Gauge[]): Array<{ scope: string; gauges: Gauge[] }> {
  const scopes = [...new Set(gauges.map((g) => g.scope))];
  return scopes.map((scope) => ({ scope, gauges: gauges.filter((g) => g.scope === scope) }));
}

const BAR_W = 240;

/** `peer:spoke1-aks/10.1.0.4` → `Route reflector peer spoke1-aks/10.1.0.4`: the capacity answer's scope in words. */
export function scopeTitle(scope: string): string {
  const [kind, ...rest] = scope.split(':');
  const what = rest.join(':');
  const words: Record<string, string> = { pool: 'Egress pool', peer: 'Route reflector peer', policy: 'Firewall policy', cluster: 'Cluster' };
  return what && kind && words[kind] ? `${words[kind]} ${what}` : scope;
}

/** `routesPerPeer` → `routes per peer`. */
export const gaugeTitle = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();

export function renderGauges(gauges: readonly Gauge[], generatedAt?: string): Markup {
  if (gauges.length === 0) return html`<p class="empty">The capacity view reports no gauges.</p>`;
  return html`${generatedAt ? html`<p class="muted">Computed at ${generatedAt}.</p>` : null}${gaugesByScope(gauges).map((s) => html`
<section class="gauges" data-scope="${s.scope}">
  <h3>${scopeTitle(s.scope)}</h3>
  ${s.gauges.map((g) => {
    const level = gaugeLevel(g.used, g.limit);
    // Any use shows at least a sliver: 1 of 8192 blocks is not nothing.
    const fill = g.limit > 0 ? Math.max(g.used > 0 ? 2 : 0, Math.min(1, g.used / g.limit) * BAR_W) : BAR_W;
    const pct = g.limit > 0 ? Math.round((g.used / g.limit) * 100) : 100;
    return html`<div class="gauge ${level}" data-gauge="${g.name}">
    <span class="gauge-name" title="${g.name}">${gaugeTitle(g.name)}</span>
    <svg class="gauge-bar" viewBox="0 0 ${BAR_W} 14" width="${BAR_W}" height="14" role="img" aria-label="${g.name}: ${g.used} of ${g.limit} ${g.unit}"><rect class="track" width="${BAR_W}" height="14" rx="3"/><rect class="fill" width="${Math.round(fill)}" height="14" rx="3"/></svg>
    <span class="gauge-figure">${g.used} / ${g.limit} ${g.unit} (${pct} %)</span>
  </div>`;
  })}
</section>`)}`;
}
