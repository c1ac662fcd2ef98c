/**
 * ASP.NET-style route templates as Functions uses them: literal segments (case-insensitive), `{name}`,
 * `{name?}` (optional, trailing), `{name:constraint}` (int, long, bool, alpha, guid, double, decimal, float;
 * others accepted without checking), `{*rest}` catch-all. Pure.
 */
export interface CompiledRoute { template: string; match(path: string): Record<string, string> | undefined; literalCount: number }

const constraints: Record<string, RegExp> = {
  int: /^-?\d+$/, long: /^-?\d+$/, bool: /^(true|false)$/i, alpha: /^[A-Za-z]+$/,
  guid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
  double: /^-?\d+(\.\d+)?$/, decimal: /^-?\d+(\.\d+)?$/, float: /^-?\d+(\.\d+)?$/,
};

type Segment = { kind: 'literal'; text: string } | { kind: 'param'; name: string; optional: boolean; catchAll: boolean; check?: RegExp };

export function compileRoute(template: string): CompiledRoute {
  const segments: Segment[] = template.replace(/^\/+|\/+$/g, '').split('/').filter((s) => s !== '').map((s) => {
    const m = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+)(?:\([^)]*\))?)?(\?)?(?:=[^}]*)?\}$/.exec(s);
    if (!m) return { kind: 'literal', text: s.toLowerCase() };
    return { kind: 'param', name: m[2]!, optional: Boolean(m[4]) || Boolean(m[1]), catchAll: Boolean(m[1]), check: m[3] ? constraints[m[3].toLowerCase()] : undefined };
  });
  return {
    template,
    literalCount: segments.filter((s) => s.kind === 'literal').length,
    match(path: string) {
      const parts = path.replace(/^\/+|\/+$/g, '').split('/').filter((s) => s !== '');
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i]!;
        if (seg.kind === 'param' && seg.catchAll) {
          const rest = parts.slice(i).map(decodeURIComponent).join('/');
          if (rest) params[seg.name] = rest;
          return params;
        }
        const part = parts[i];
        if (part === undefined) {
          if (seg.kind === 'param' && seg.optional) continue;
          return undefined;
        }
        if (seg.kind === 'literal') {
          if (decodeURIComponent(part).toLowerCase() !== seg.text) return undefined;
        } else {
          const value = decodeURIComponent(part);
          if (seg.check && !seg.check.test(value)) return undefined;
          params[seg.name] = value;
        }
      }
      return parts.length <= segments.length ? params : undefined;
    },
  };
}
