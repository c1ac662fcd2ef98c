/**
 * Discovery and OpenAPI documents, in the legacy (non-aggregated) shapes that kubectl and
 * @kubernetes/client-node accept. The OpenAPI v3 documents carry, per kind, PATCH operations with
 * x-kubernetes-group-version-kind and a fieldValidation query parameter, so kubectl uses server-side
 * field validation instead of asking for the protobuf OpenAPI v2 document.
 */
import { createHash } from 'node:crypto';
import { groupVersion, type ResourceRegistry, type ResourceType } from './resources';
import type { JsonObject } from './json';

export const EMULATED_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.4-kube-emulator', gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean', buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.23.8', compiler: 'gc', platform: 'linux/amd64' };

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function apiVersions(serverAddress: string): JsonObject {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(name: string, versions: string[]): JsonObject {
  const list = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: list, preferredVersion: list[0] };
}

export function apiGroupList(registry: ResourceRegistry): JsonObject {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...registry.groups()].map(([name, versions]) => apiGroup(name, versions)) };
}

export function apiGroupDoc(registry: ResourceRegistry, group: string): JsonObject | undefined {
  const versions = registry.groups().get(group);
  return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions) } : undefined;
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string): JsonObject | undefined {
  const resources = registry.inGroupVersion(group, version);
  if (resources.length === 0) return undefined;
  const list: JsonObject[] = [];
  for (const r of resources) {
    list.push({
      name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: VERBS,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}), ...(r.categories.length ? { categories: r.categories } : {}),
      storageVersionHash: createHash('sha256').update(`${groupVersion(r)}/${r.kind}`).digest('base64').slice(0, 11),
    });
    if (r.statusSubresource) list.push({ name: `${r.plural}/status`, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: ['get', 'patch', 'update'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: list };
}

function openApiPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function schemaName(r: ResourceType): string {
  const reversed = r.group ? r.group.split('.').reverse().join('.') : 'io.k8s.api.core';
  return `${reversed}.${r.version}.${r.kind}`;
}

function gvDocument(registry: ResourceRegistry, group: string, version: string): JsonObject {
  const schemas: JsonObject = {};
  const paths: JsonObject = {};
  const gvkOf = (r: ResourceType): JsonObject => ({ group: r.group, version: r.version, kind: r.kind });
  const query = (name: string): JsonObject => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });
  for (const r of registry.inGroupVersion(group, version)) {
    const name = schemaName(r);
    // Built-in kinds get an open schema; kubectl falls back to its compiled-in types for their patches.
    schemas[name] = { ...(r.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }), 'x-kubernetes-group-version-kind': [gvkOf(r)] };
    const base = `/${openApiPath(group, version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
    const ref = { $ref: `#/components/schemas/${name}` };
    const ok = { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } };
    const op = (action: string, params: string[], body: boolean): JsonObject => ({
      operationId: `${action}${r.kind}`, 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvkOf(r),
      parameters: params.map(query), responses: ok,
      ...(body ? { requestBody: { content: { 'application/json': { schema: ref } } } } : {}),
    });
    paths[base] = { get: op('list', ['labelSelector', 'fieldSelector', 'limit', 'continue'], false), post: op('post', ['dryRun', 'fieldManager', 'fieldValidation'], true) };
    paths[`${base}/{name}`] = {
      get: op('get', [], false),
      put: op('put', ['dryRun', 'fieldManager', 'fieldValidation'], true),
      patch: { ...op('patch', ['dryRun', 'fieldManager', 'fieldValidation', 'force'], false), requestBody: { content: { 'application/merge-patch+json': { schema: { type: 'object' } }, 'application/apply-patch+yaml': { schema: { type: 'object' } }, 'application/json-patch+json': { schema: { type: 'object' } } } } },
      delete: op('delete', ['dryRun'], false),
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: EMULATED_VERSION.gitVersion }, paths, components: { schemas } };
}

export function openApiV3Index(registry: ResourceRegistry): JsonObject {
  const paths: JsonObject = {};
  const gvs = new Set(registry.all.map((r) => `${r.group}|${r.version}`));
  for (const gv of gvs) {
    const [group = '', version = ''] = gv.split('|');
    const doc = JSON.stringify(gvDocument(registry, group, version));
    const hash = createHash('sha512').update(doc).digest('hex').slice(0, 64).toUpperCase();
    paths[openApiPath(group, version)] = { serverRelativeURL: `/openapi/v3/${openApiPath(group, version)}?hash=${hash}` };
  }
  return { paths };
}

export function openApiV3Document(registry: ResourceRegistry, subPath: string): JsonObject | undefined {
  const m = /^(?:api\/([^/]+)|apis\/([^/]+)\/([^/]+))$/.exec(subPath);
  if (!m) return undefined;
  const group = m[1] ? '' : (m[2] ?? '');
  const version = m[1] ?? m[3] ?? '';
  if (registry.inGroupVersion(group, version).length === 0) return undefined;
  return gvDocument(registry, group, version);
}

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

function protoString(field: number, value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([protoKey(field), varint(bytes.length), bytes]);
}

function protoMessage(field: number, body: Buffer): Buffer {
  return Buffer.concat([protoKey(field), varint(body.length), body]);
}

function protoKey(field: number): Buffer {
  return varint((field << 3) | 2);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

/**
 * The protobuf OpenAPI v2 document (gnostic openapi_v2.Document) that kubectl ≤ 1.26 downloads to
 * validate on the client: swagger (1), info (2: title 1, version 2) and empty paths (8), no definitions.
 * With no schema for a kind, those kubectl versions skip client-side validation; the server still validates.
 */
export function openApiV2Protobuf(): Buffer {
  const info = Buffer.concat([protoString(1, 'Kubernetes'), protoString(2, EMULATED_VERSION.gitVersion)]);
  return Buffer.concat([protoString(1, '2.0'), protoMessage(2, info), protoMessage(8, Buffer.alloc(0))]);
}

/** OpenAPI v2 as JSON (definitions only; kubectl uses the v3 documents or the protobuf form above). */
export function openApiV2(registry: ResourceRegistry): JsonObject {
  const definitions: JsonObject = {};
  for (const r of registry.all) {
    definitions[schemaName(r)] = { ...(r.schema ?? { type: 'object' }), 'x-kubernetes-group-version-kind': [{ group: r.group, version: r.version, kind: r.kind }] };
  }
  return { swagger: '2.0', info: { title: 'Kubernetes', version: EMULATED_VERSION.gitVersion }, paths: {}, definitions };
}
