/**
 * Where a gateway pod lands: nodes that are Ready and match the pod's nodeSelector, filtered by the
 * pod's topologySpreadConstraints (DoNotSchedule is a hard rule: skew = pods in the node's domain + 1 −
 * the smallest domain count must stay ≤ maxSkew), then the emptiest domain, then the node with the
 * fewest pods of the same gateway, then the name. Pure.
 */
export interface SchedNode { name: string; labels: Record<string, string>; ready: boolean }
export interface SchedPod { node: string; labels: Record<string, string>; sameOwner: boolean }
export interface SpreadConstraint { maxSkew: number; topologyKey: string; whenUnsatisfiable: string; matchLabels: Record<string, string> }

function matchesAll(labels: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([k, v]) => labels[k] === v);
}

export function pickNode(nodes: SchedNode[], nodeSelector: Record<string, string>, constraints: SpreadConstraint[], pods: SchedPod[]): string | undefined {
  const hard = constraints.filter((c) => c.whenUnsatisfiable !== 'ScheduleAnyway');
  const eligible = nodes.filter((n) => n.ready && matchesAll(n.labels, nodeSelector) && hard.every((c) => n.labels[c.topologyKey] !== undefined));
  if (eligible.length === 0) return undefined;
  const nodeOf = new Map(nodes.map((n) => [n.name, n]));
  const domainCounts = constraints.map((c) => {
    const counts = new Map<string, number>();
    for (const n of eligible) {
      const d = n.labels[c.topologyKey];
      if (d !== undefined) counts.set(d, 0);
    }
    for (const p of pods) {
      if (!matchesAll(p.labels, c.matchLabels)) continue;
      const d = nodeOf.get(p.node)?.labels[c.topologyKey];
      if (d !== undefined && counts.has(d)) counts.set(d, (counts.get(d) ?? 0) + 1);
    }
    const min = counts.size ? Math.min(...counts.values()) : 0;
    return { c, counts, min };
  });
  const feasible = eligible.filter((n) => domainCounts.every(({ c, counts, min }) => {
    if (c.whenUnsatisfiable === 'ScheduleAnyway') return true;
    return (counts.get(n.labels[c.topologyKey] ?? '') ?? 0) + 1 - min <= c.maxSkew;
  }));
  const score = (n: SchedNode): [number, number] => [
    domainCounts.reduce((s, { c, counts }) => s + (counts.get(n.labels[c.topologyKey] ?? '') ?? 0), 0),
    pods.filter((p) => p.sameOwner && p.node === n.name).length,
  ];
  return feasible.sort((a, b) => {
    const [a1, a2] = score(a);
    const [b1, b2] = score(b);
    return a1 - b1 || a2 - b2 || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  })[0]?.name;
}
