/** Server-side apply's ownership model (pure), checked against a simple reference model with fast-check. */
import fc from 'fast-check';
import { serverSideApply } from '../../../local/emulators/kube/managed-fields';
import type { JsonObject } from '../../../local/emulators/kube/json';

const FIELDS = ['a', 'b', 'c', 'd'] as const;
type Config = Partial<Record<(typeof FIELDS)[number], number>>;

function apply(live: JsonObject | undefined, manager: string, spec: Config): JsonObject {
  return serverSideApply({
    live, applied: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, spec }, manager, force: true,
    apiVersion: 'v1', now: '2026-11-25T00:00:00Z', skipStatus: false, resource: 'configmaps', group: '', name: 'x',
  });
}

describe('server-side apply ownership', () => {
  it('property: a field holds the last forced value; a field dropped by every owner disappears', () => {
    const step = fc.tuple(fc.constantFrom('m1', 'm2'), fc.dictionary(fc.constantFrom(...FIELDS), fc.integer({ min: 0, max: 3 })));
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
      let live: JsonObject | undefined;
      const current: Record<string, Config> = {};
      const value: Record<string, number> = {};
      for (const [manager, spec] of steps) {
        live = apply(live, manager, spec as Config);
        current[manager] = { ...(spec as Config) };
        // Reference model: a manager owns what its current config sets; applying a different value (forced) takes
        // the field from the others, the same value shares it; a field nobody sets any more is removed.
        for (const f of FIELDS) {
          const v = (spec as Config)[f];
          if (v !== undefined) {
            if (value[f] !== v) for (const other of Object.keys(current)) if (other !== manager) delete current[other]![f];
            value[f] = v;
          } else if (!Object.values(current).some((c) => c[f] !== undefined)) delete value[f];
        }
      }
      expect((live as { spec?: unknown }).spec ?? {}).toEqual(value);
    }), { numRuns: 300 });
  });

  it('property: without force, an apply fails exactly when it changes a value another manager owns', () => {
    const step = fc.tuple(fc.constantFrom('m1', 'm2', 'm3'), fc.dictionary(fc.constantFrom(...FIELDS), fc.integer({ min: 0, max: 2 })));
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 10 }), (steps) => {
      let live: JsonObject | undefined;
      const owners: Record<string, Set<string>> = {};
      const value: Record<string, number> = {};
      for (const [manager, raw] of steps) {
        const spec = { ...(raw as Config) };
        const conflicting = Object.entries(spec).filter(([f, v]) => value[f] !== v && [...(owners[f] ?? [])].some((o) => o !== manager));
        let threw = false;
        try {
          live = serverSideApply({
            live, applied: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, spec }, manager, force: false,
            apiVersion: 'v1', now: 't', skipStatus: false, resource: 'configmaps', group: '', name: 'x',
          });
        } catch {
          threw = true;
        }
        expect(threw).toBe(conflicting.length > 0);
        if (threw) continue;
        for (const f of FIELDS) {
          const set = owners[f] ?? (owners[f] = new Set());
          if (spec[f] !== undefined) { set.add(manager); value[f] = spec[f]!; } else set.delete(manager);
          if (set.size === 0) delete value[f];
        }
        expect((live as { spec?: unknown }).spec ?? {}).toEqual(value);
      }
    }), { numRuns: 300 });
  });

  it('re-applying the same config leaves the object unchanged (managedFields included)', () => {
    const once = apply(undefined, 'm', { a: 1, b: 2 });
    const twice = apply(once, 'm', { a: 1, b: 2 });
    expect(twice).toEqual(once);
  });

  it('without force, a different value for another manager\'s field is a conflict naming both', () => {
    const live = apply(undefined, 'm1', { a: 1 });
    expect(() => serverSideApply({
      live, applied: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, spec: { a: 2 } }, manager: 'm2', force: false,
      apiVersion: 'v1', now: 'now', skipStatus: false, resource: 'configmaps', group: '', name: 'x',
    })).toThrow('Apply failed with 1 conflict: conflict with "m1": .spec.a');
  });
});
