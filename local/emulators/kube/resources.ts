/**
 * The kinds this API server serves: a few built-in kinds and the CRD-backed kinds read from the
 * reference CRD files. A ResourceType is everything discovery, routing and validation need to know.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { isObject, type JsonObject } from './json';

export interface PrinterColumn {
  name: string; type: string; jsonPath: string; description?: string; priority?: number; format?: string;
  /** Built-in kinds compute some cells (kubectl's printers do it in Go for them). */
  value?: (obj: JsonObject) => unknown;
}

function conditionStatus(obj: JsonObject, type: string): string | undefined {
  const status = isObject(obj.status) ? obj.status : {};
  const list = Array.isArray(status.conditions) ? status.conditions : [];
  const c = list.find((x) => isObject(x) && x.type === type);
  return isObject(c) && typeof c.status === 'string' ? c.status : undefined;
}

function containerCounts(obj: JsonObject): string {
  const spec = isObject(obj.spec) ? obj.spec : {};
  const status = isObject(obj.status) ? obj.status : {};
  const total = Array.isArray(spec.containers) ? spec.containers.length : 0;
  const ready = Array.isArray(status.containerStatuses) ? status.containerStatuses.filter((c) => isObject(c) && c.ready === true).length : 0;
  return `${ready}/${total}`;
}

export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  statusSubresource: boolean;
  /** openAPIV3Schema for CRD kinds; built-in kinds have a small hand-written check instead. */
  schema?: JsonObject;
  printerColumns: PrinterColumn[];
  builtin: boolean;
}

export function groupVersion(r: Pick<ResourceType, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** `ippools.projectcalico.org`, `pods`: the resource key used by the store and in messages. */
export function resourceKey(r: Pick<ResourceType, 'group' | 'plural'>): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

function builtin(group: string, version: string, kind: string, plural: string, namespaced: boolean, shortNames: string[], printerColumns: PrinterColumn[]): ResourceType {
  return { group, version, kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), shortNames, categories: namespaced ? ['all'] : [], namespaced, statusSubresource: true, printerColumns, builtin: true };
}

export const BUILTIN_RESOURCES: readonly ResourceType[] = [
  builtin('', 'v1', 'Namespace', 'namespaces', false, ['ns'], [{ name: 'Status', type: 'string', jsonPath: '.status.phase' }]),
  builtin('', 'v1', 'Node', 'nodes', false, ['no'], [
    { name: 'Status', type: 'string', jsonPath: '', value: (o) => (conditionStatus(o, 'Ready') === 'True' ? 'Ready' : 'NotReady') },
    { name: 'Roles', type: 'string', jsonPath: '', value: () => '<none>' },
    { name: 'Version', type: 'string', jsonPath: '.status.nodeInfo.kubeletVersion', priority: 0 },
    { name: 'Internal-IP', type: 'string', jsonPath: '.status.addresses[?(@.type=="InternalIP")].address', priority: 1 },
  ]),
  builtin('', 'v1', 'Pod', 'pods', true, ['po'], [
    { name: 'Ready', type: 'string', jsonPath: '', value: containerCounts },
    { name: 'Status', type: 'string', jsonPath: '.status.phase' },
    { name: 'Restarts', type: 'integer', jsonPath: '', value: () => 0 },
    { name: 'IP', type: 'string', jsonPath: '.status.podIP', priority: 1 },
    { name: 'Node', type: 'string', jsonPath: '.spec.nodeName', priority: 1 },
  ]),
  builtin('', 'v1', 'ConfigMap', 'configmaps', true, ['cm'], [
    { name: 'Data', type: 'integer', jsonPath: '', value: (o) => (isObject(o.data) ? Object.keys(o.data).length : 0) + (isObject(o.binaryData) ? Object.keys(o.binaryData).length : 0) },
  ]),
  builtin('batch', 'v1', 'Job', 'jobs', true, [], [
    { name: 'Status', type: 'string', jsonPath: '', value: (o) => (conditionStatus(o, 'Complete') === 'True' ? 'Complete' : conditionStatus(o, 'Failed') === 'True' ? 'Failed' : 'Running') },
    { name: 'Completions', type: 'string', jsonPath: '', value: (o) => `${Number((isObject(o.status) && o.status.succeeded) || 0)}/${Number((isObject(o.spec) && o.spec.completions) || 1)}` },
  ]),
].map((r) => (r.kind === 'ConfigMap' ? { ...r, statusSubresource: false } : r));

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Reads every CustomResourceDefinition in `dir` (served versions only). */
export function loadCrdResources(dir: string): ResourceType[] {
  if (!existsSync(dir)) {
    throw new Error(`CRD directory ${dir} does not exist; pass crdDir or set KUBE_EMULATOR_CRD_DIR`);
  }
  const out: ResourceType[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'))) {
      const crd: unknown = doc.toJS();
      if (!isObject(crd) || crd.kind !== 'CustomResourceDefinition' || !isObject(crd.spec)) continue;
      const spec = crd.spec;
      const names = isObject(spec.names) ? spec.names : {};
      const group = String(spec.group);
      for (const v of Array.isArray(spec.versions) ? spec.versions : []) {
        if (!isObject(v) || v.served === false) continue;
        const schema = isObject(v.schema) && isObject(v.schema.openAPIV3Schema) ? v.schema.openAPIV3Schema : undefined;
        const columns = (Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : []).filter(isObject).map((c) => ({
          name: String(c.name), type: String(c.type), jsonPath: String(c.jsonPath),
          ...(typeof c.description === 'string' ? { description: c.description } : {}),
          ...(typeof c.priority === 'number' ? { priority: c.priority } : {}),
          ...(typeof c.format === 'string' ? { format: c.format } : {}),
        }));
        const kind = String(names.kind);
        out.push({
          group, version: String(v.name), kind,
          listKind: typeof names.listKind === 'string' ? names.listKind : `${kind}List`,
          plural: String(names.plural),
          singular: typeof names.singular === 'string' ? names.singular : kind.toLowerCase(),
          shortNames: strings(names.shortNames), categories: strings(names.categories),
          namespaced: spec.scope === 'Namespaced',
          statusSubresource: isObject(v.subresources) && isObject(v.subresources.status),
          ...(schema ? { schema } : {}),
          printerColumns: columns,
          builtin: false,
        });
      }
    }
  }
  return out;
}

/** Finds the reference CRDs: `<repo>/../shared/reference/crds`, found by walking up to package.json. */
export function defaultCrdDir(): string {
  const fromEnv = process.env.KUBE_EMULATOR_CRD_DIR;
  if (fromEnv) return fromEnv;
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.resolve(dir, '..', 'shared', 'reference', 'crds');
}

export class ResourceRegistry {
  private readonly byGvr = new Map<string, ResourceType>();
  private readonly byGvk = new Map<string, ResourceType>();

  constructor(readonly all: readonly ResourceType[]) {
    for (const r of all) {
      this.byGvr.set(`${groupVersion(r)}|${r.plural}`, r);
      this.byGvk.set(`${groupVersion(r)}|${r.kind}`, r);
    }
  }

  byResource(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byGvr.get(`${group ? `${group}/${version}` : version}|${plural}`);
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.byGvk.get(`${apiVersion}|${kind}`);
  }

  /** group → versions, core group excluded, in a stable order. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of this.all) {
      if (!r.group) continue;
      const versions = out.get(r.group) ?? [];
      if (!versions.includes(r.version)) versions.push(r.version);
      out.set(r.group, versions);
    }
    return out;
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.all.filter((r) => r.group === group && r.version === version);
  }
}
