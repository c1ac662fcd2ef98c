/** Kubernetes label selectors (`a=b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`) and simple field selectors. */
import { kubeErrors } from './errors';
import { getIn, stringMap, type JsonObject } from './json';

type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

export type Matcher = (obj: JsonObject) => boolean;

/** Splits on commas that are not inside parentheses. */
function splitTerms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

function parseTerm(term: string): Requirement {
  let m = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (m) return { op: m[2] === 'in' ? 'in' : 'notin', key: m[1] ?? '', values: (m[3] ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '') };
  m = /^([^\s!=()]+)\s*(!=|==|=)\s*([^\s!=()]*)$/.exec(term);
  if (m) return { op: m[2] === '!=' ? 'neq' : 'eq', key: m[1] ?? '', value: m[3] ?? '' };
  m = /^!\s*([^\s!=()]+)$/.exec(term);
  if (m) return { op: 'notexists', key: m[1] ?? '' };
  m = /^([^\s!=()]+)$/.exec(term);
  if (m) return { op: 'exists', key: m[1] ?? '' };
  throw kubeErrors.badRequest(`unable to parse requirement: invalid label selector term "${term}"`);
}

function matches(req: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const v = labels[req.key];
  switch (req.op) {
    case 'eq': return has && v === req.value;
    case 'neq': return !has || v !== req.value;
    case 'in': return has && req.values.includes(v ?? '');
    case 'notin': return !has || !req.values.includes(v ?? '');
    case 'exists': return has;
    case 'notexists': return !has;
  }
}

export function parseLabelSelector(selector: string | null): Matcher {
  if (!selector) return () => true;
  const reqs = splitTerms(selector).map(parseTerm);
  return (obj) => {
    const labels = stringMap(getIn(obj, ['metadata', 'labels']));
    return reqs.every((r) => matches(r, labels));
  };
}

/** Field selectors: `metadata.name`, `metadata.namespace` and any dotted path, with =, == and !=. */
export function parseFieldSelector(selector: string | null): Matcher {
  if (!selector) return () => true;
  const reqs = splitTerms(selector).map((term) => {
    const m = /^([A-Za-z0-9_.]+)\s*(!=|==|=)\s*(.*)$/.exec(term);
    if (!m) throw kubeErrors.badRequest(`invalid field selector "${term}"`);
    return { path: (m[1] ?? '').split('.'), negate: m[2] === '!=', value: (m[3] ?? '').trim() };
  });
  return (obj) => reqs.every((r) => {
    const v = getIn(obj, r.path);
    const s = v === undefined || v === null ? '' : String(v);
    return r.negate ? s !== r.value : s === r.value;
  });
}
