/**
 * Calico selector expressions (as used by BGPPeer nodeSelector/peerSelector and IPPool nodeSelector):
 * all(), global(), has(k), k == 'v', k != 'v', k in {'a','b'}, k not in {...}, k contains/starts with/ends with 'v',
 * !, &&, ||, parentheses. Pure: parse once, match against a label map.
 */
export type CalicoSelector = (labels: Record<string, string>) => boolean;

type Token = { kind: 'op'; value: string } | { kind: 'str'; value: string } | { kind: 'ident'; value: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] ?? '';
    if (/\s/.test(ch)) { i++; continue; }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '&&', '||'].includes(two)) { out.push({ kind: 'op', value: two }); i += 2; continue; }
    if ('!(){},'.includes(ch)) { out.push({ kind: 'op', value: ch }); i++; continue; }
    if (ch === "'" || ch === '"') {
      const end = src.indexOf(ch, i + 1);
      if (end < 0) throw new Error(`selector "${src}": unterminated string at ${i}`);
      out.push({ kind: 'str', value: src.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const m = /^[A-Za-z0-9_./-]+/.exec(src.slice(i));
    if (!m) throw new Error(`selector "${src}": unexpected "${ch}" at ${i}`);
    out.push({ kind: 'ident', value: m[0] });
    i += m[0].length;
  }
  return out;
}

export function parseCalicoSelector(src: string): CalicoSelector {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isOp = (v: string): boolean => { const t = peek(); return t?.kind === 'op' && t.value === v; };
  const isIdent = (v: string): boolean => { const t = peek(); return t?.kind === 'ident' && t.value === v; };
  const expect = (v: string): void => {
    if (!isOp(v)) throw new Error(`selector "${src}": expected "${v}"`);
    pos++;
  };
  const str = (): string => {
    const t = tokens[pos++];
    if (t?.kind !== 'str') throw new Error(`selector "${src}": expected a quoted value`);
    return t.value;
  };
  const set = (): string[] => {
    expect('{');
    const values: string[] = [];
    while (!isOp('}')) {
      values.push(str());
      if (isOp(',')) pos++;
    }
    expect('}');
    return values;
  };

  const or = (): CalicoSelector => {
    let left = and();
    while (isOp('||')) { pos++; const a = left; const b = and(); left = (l) => a(l) || b(l); }
    return left;
  };
  const and = (): CalicoSelector => {
    let left = unary();
    while (isOp('&&')) { pos++; const a = left; const b = unary(); left = (l) => a(l) && b(l); }
    return left;
  };
  const unary = (): CalicoSelector => {
    if (isOp('!')) { pos++; const inner = unary(); return (l) => !inner(l); }
    if (isOp('(')) { pos++; const inner = or(); expect(')'); return inner; }
    return term();
  };
  const term = (): CalicoSelector => {
    const t = tokens[pos++];
    if (t?.kind !== 'ident') throw new Error(`selector "${src}": expected a label or function`);
    if ((t.value === 'all' || t.value === 'global') && isOp('(')) { pos++; expect(')'); return () => true; }
    if (t.value === 'has' && isOp('(')) {
      pos++;
      const k = tokens[pos++];
      if (k?.kind !== 'ident') throw new Error(`selector "${src}": has() needs a label key`);
      expect(')');
      return (l) => Object.prototype.hasOwnProperty.call(l, k.value);
    }
    const key = t.value;
    if (isOp('==')) { pos++; const v = str(); return (l) => l[key] === v; }
    if (isOp('!=')) { pos++; const v = str(); return (l) => l[key] !== v; }
    if (isIdent('in')) { pos++; const vs = set(); return (l) => l[key] !== undefined && vs.includes(l[key] ?? ''); }
    if (isIdent('not') && tokens[pos + 1]?.value === 'in') { pos += 2; const vs = set(); return (l) => l[key] === undefined || !vs.includes(l[key] ?? ''); }
    if (isIdent('contains')) { pos++; const v = str(); return (l) => (l[key] ?? '').includes(v) && l[key] !== undefined; }
    if (isIdent('starts') && tokens[pos + 1]?.value === 'with') { pos += 2; const v = str(); return (l) => l[key] !== undefined && (l[key] ?? '').startsWith(v); }
    if (isIdent('ends') && tokens[pos + 1]?.value === 'with') { pos += 2; const v = str(); return (l) => l[key] !== undefined && (l[key] ?? '').endsWith(v); }
    throw new Error(`selector "${src}": expected an operator after "${key}"`);
  };

  if (tokens.length === 0) return () => true;
  const sel = or();
  if (pos !== tokens.length) throw new Error(`selector "${src}": unexpected trailing input`);
  return sel;
}
