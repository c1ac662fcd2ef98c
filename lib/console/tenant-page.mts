/**
 * A tenant's page: its step timeline (state, duration, detail), its error or failed last attempt with
 * what to do, the /31s and what each Route Server instance learned, the firewall placement, and issue
 * 14's egress verification when the app reports it. Pure: a tenant in, markup out.
 */
import type { Step, Tenant } from '../console/api-shapes.mjs';
import { html, type Markup } from '../console/html.mjs';
import { firewallState, learnedPerInstance, phaseTone, routeServerInstances, shortInstance } from '../console/tenant-status.mjs';

/** "1.5 s", "2 min 3 s": how long a step took, or has been running at `now`. */
export function stepDuration(step: Pick<Step, 'startedAt' | 'endedAt'>, now: number): string | undefined {
  if (!step.startedAt) return undefined;
  const end = step.endedAt ? Date.parse(step.endedAt) : now;
  const ms = end - Date.parse(step.startedAt);
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

const stepTone = (state: string): string => ({ Succeeded: 'ok', Running: 'busy', Failed: 'bad', Skipped: 'idle', Pending: 'idle' })[state] ?? 'idle';

/** What a reader can do about the tenant's state, in one sentence (undefined when nothing is needed). */
export function nextAction(t: Pick<Tenant, 'phase' | 'cluster' | 'name' | 'lastAttempt'>): string | undefined {
  const path = `/api/tenants/${t.cluster}/${t.name}`;
  if (t.phase === 'Failed') return `Fix what the error names, then send the spec again (POST /api/tenants, or PUT ${path}); DELETE ${path} removes whatever is left.`;
  if (t.phase === 'Degraded') return `Traffic did not leave as expected: check the verification results below; the drift check re-converges the tenant, or PUT ${path} again.`;
  if (t.lastAttempt) return `The tenant still serves its previous spec: fix what the failed update names and PUT ${path} again.`;
  return undefined;
}

export function renderTenantPage(t: Tenant, now: number): Markup {
  const instances = routeServerInstances([t]);
  const fw = firewallState(t);
  const action = nextAction(t);
  return html`
<article class="tenant" data-tenant="${t.cluster}/${t.name}" data-phase="${t.phase}">
  <p><a href="#/">← all tenants</a></p>
  <h2>${t.name} <small>on ${t.cluster}</small> <span class="badge ${phaseTone(t.phase)}">${t.phase}</span></h2>
  <dl class="facts">
    <dt>CIDR</dt><dd><code>${t.cidr ?? '—'}</code></dd>
    <dt>Operation</dt><dd>${t.operation ?? '—'}</dd>
    <dt>Firewall</dt><dd><span class="badge ${fw.tone}">${fw.label}</span> ${fw.detail ?? ''}</dd>
    <dt>/31s</dt><dd>${t.routes.expected.length === 0 ? '—' : t.routes.expected.map((r) => html`<code class="block">${r}</code> `)}</dd>
    <dt>Learned</dt><dd>${instances.length === 0 ? '—' : learnedPerInstance(t, instances).map((l) => html`<span class="count ${l.complete ? 'ok' : 'busy'}">${shortInstance(l.instance)} ${l.learned}/${l.expected}</span> `)}</dd>
  </dl>
  ${t.error ? html`<div class="panel bad" role="alert"><strong>Error</strong><p>${t.error}</p></div>` : null}
  ${t.lastAttempt ? html`<div class="panel bad" role="alert"><strong>Last update failed${t.lastAttempt.step ? html` at ${t.lastAttempt.step}` : null}${t.lastAttempt.at ? html` (${t.lastAttempt.at})` : null}</strong><p>${t.lastAttempt.error}</p></div>` : null}
  ${action ? html`<p class="action"><strong>What to do:</strong> ${action}</p>` : null}
  <h3>Steps</h3>
  ${t.steps.length === 0 ? html`<p class="empty">No lifecycle has reported steps yet.</p>` : html`
  <ol class="timeline">${t.steps.map((s) => html`
    <li class="step ${stepTone(s.state)}" data-step="${s.name}" data-state="${s.state}">
      <span class="dot"></span><strong>${s.name}</strong> <span class="state">${s.state}</span>
      ${stepDuration(s, now) ? html`<span class="duration">${stepDuration(s, now)}</span>` : null}
      ${s.detail ? html`<div class="detail">${s.detail}</div>` : null}
    </li>`)}
  </ol>`}
  <h3>Egress verification</h3>
  ${renderVerification(t)}
</article>`;
}

function renderVerification(t: Tenant): Markup {
  if (!t.egress) return html`<p class="empty">Not reported: this app version does not verify egress, or the tenant has not been verified yet.</p>`;
  const e = t.egress;
  const verdict = e.ok === undefined ? null : html` <span class="badge ${e.ok ? 'ok' : 'bad'}">${e.ok ? 'as expected' : 'not as expected'}</span>`;
  return html`
  <p class="verification-summary">${e.verifiedAt ? html`Verified at ${e.verifiedAt}` : 'Not verified yet'}${verdict}${e.sourceSeen ? html`; the echo saw source <code>${e.sourceSeen}</code>` : null}.</p>
  ${e.skipped ? html`<p class="empty">Skipped: ${e.skipped}</p>` : null}
  ${e.problems.length ? html`<ul class="problems">${e.problems.map((p) => html`<li>${p}</li>`)}</ul>` : null}
  ${e.results.length === 0 ? null : html`<table class="verification"><thead><tr><th>Target</th><th>Expected</th><th>Outcome</th><th>Detail</th><th>Latency</th></tr></thead><tbody>
  ${e.results.map((r) => html`<tr data-target="${r.target}" data-ok="${r.ok === undefined ? '' : String(r.ok)}"><td><code>${r.target}</code></td><td>${r.expected ?? '—'}</td><td><span class="badge ${r.ok === false || r.outcome === 'error' ? 'bad' : r.ok ? 'ok' : 'idle'}">${r.outcome}</span></td><td>${r.detail ?? ''}</td><td>${r.latencyMs === undefined ? '' : `${r.latencyMs} ms`}</td></tr>`)}
  </tbody></table>`}`;
}
