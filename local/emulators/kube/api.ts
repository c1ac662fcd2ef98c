/**
 * The verbs: get, list (+watch, in server.ts), create, update, patch (merge, strategic, JSON, apply), delete.
 * Handlers validate and compute; the store assigns versions. Everything refused is a StatusError.
 */
import { randomBytes } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { kubeErrors, type StatusCause } from './errors';
import { clone, isObject, type JsonObject } from './json';
import { recordUpdate, serverSideApply } from './managed-fields';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch';
import { groupVersion, type ResourceRegistry, type ResourceType } from './resources';
import { decodeKubeProtobuf } from './protobuf';
import { parseFieldSelector, parseLabelSelector } from './selectors';
import { metadataOf, type ObjectStore } from './store';
import { toTable, wantsTable } from './table';
import { createAjv, KindValidator, type ValidationOptions } from './validation';

export interface ApiRequest {
  method: string;
  resource: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: URLSearchParams;
  contentType: string;
  accept?: string;
  userAgent?: string;
  body: string;
  /** The body as received (protobuf bodies are binary). */
  rawBody?: Buffer;
}

export interface ApiResponse { status: number; body: unknown; headers?: Record<string, string> }

const SERVER_OWNED = ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink', 'deletionTimestamp'];

export class ClusterApi {
  private readonly validators = new Map<ResourceType, KindValidator>();

  constructor(
    readonly registry: ResourceRegistry,
    readonly store: ObjectStore,
    private readonly now: () => Date,
    private readonly defaultFieldValidation: ValidationOptions['fieldValidation'],
  ) {
    const ajv = createAjv();
    for (const r of registry.all) this.validators.set(r, new KindValidator(r, ajv));
  }

  private timestamp(): string {
    return this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  handle(req: ApiRequest): ApiResponse {
    const { method, name, subresource } = req;
    if (subresource && subresource !== 'status') throw kubeErrors.notImplemented(`subresource ${subresource}`);
    if (subresource && !req.resource.statusSubresource) throw kubeErrors.pathNotFound(`${req.resource.plural}/${subresource}`);
    if (!name) {
      if (method === 'GET') return this.list(req);
      if (method === 'POST') return this.create(req);
      if (method === 'DELETE') return this.deleteCollection(req);
      throw kubeErrors.methodNotAllowed(`${method} is not supported on a collection`);
    }
    switch (method) {
      case 'GET': return this.get(req, name);
      case 'PUT': return this.update(req, name);
      case 'PATCH': return this.patch(req, name);
      case 'DELETE': return this.delete(req, name);
      default: throw kubeErrors.methodNotAllowed(`${method} is not supported on ${req.resource.plural}/${name}`);
    }
  }

  // ---- reads -------------------------------------------------------------------------------

  private get(req: ApiRequest, name: string): ApiResponse {
    const obj = this.store.get(req.resource, req.namespace ?? '', name);
    if (!obj) throw kubeErrors.notFound(req.resource.plural, req.resource.group, name);
    if (wantsTable(req.accept)) return { status: 200, body: toTable(req.resource, [obj], String(metadataOf(obj).resourceVersion), this.now(), req.query.get('includeObject')) };
    return { status: 200, body: obj };
  }

  /** Selected objects of a list request, in store order. */
  select(req: Pick<ApiRequest, 'resource' | 'namespace' | 'query'>): JsonObject[] {
    const byLabel = parseLabelSelector(req.query.get('labelSelector'));
    const byField = parseFieldSelector(req.query.get('fieldSelector'));
    return this.store.list(req.resource, req.namespace).filter((o) => byLabel(o) && byField(o));
  }

  private list(req: ApiRequest): ApiResponse {
    let items = this.select(req);
    const rv = this.store.resourceVersion();
    const limit = Number(req.query.get('limit') ?? '0');
    const token = req.query.get('continue');
    let next: string | undefined;
    if (token) {
      const start = Number(Buffer.from(token, 'base64url').toString('utf8'));
      if (!Number.isInteger(start) || start < 0) throw kubeErrors.badRequest(`invalid continue token "${token}"`);
      items = items.slice(start);
      if (limit > 0 && items.length > limit) next = Buffer.from(String(start + limit), 'utf8').toString('base64url');
    } else if (limit > 0 && items.length > limit) next = Buffer.from(String(limit), 'utf8').toString('base64url');
    if (limit > 0) items = items.slice(0, limit);
    if (wantsTable(req.accept)) {
      const table = toTable(req.resource, items, rv, this.now(), req.query.get('includeObject'));
      if (next) (table.metadata as JsonObject).continue = next;
      return { status: 200, body: table };
    }
    return { status: 200, body: { kind: req.resource.listKind, apiVersion: groupVersion(req.resource), metadata: { resourceVersion: rv, ...(next ? { continue: next } : {}) }, items } };
  }

  // ---- writes ------------------------------------------------------------------------------

  private parseBody(req: ApiRequest): unknown {
    if (/protobuf/.test(req.contentType)) {
      let decoded: JsonObject | undefined;
      try {
        decoded = decodeKubeProtobuf(req.rawBody ?? Buffer.from(req.body, 'binary'));
      } catch (e) {
        throw kubeErrors.badRequest(`the protobuf request body could not be decoded: ${(e as Error).message}`);
      }
      if (!decoded) throw kubeErrors.unsupportedMediaType(`${req.contentType} for ${req.resource.kind} (protobuf is decoded for Namespace and ConfigMap only)`);
      return decoded;
    }
    if (req.body.trim() === '') throw kubeErrors.badRequest('the request body is empty');
    try {
      return /yaml/.test(req.contentType) ? parseYaml(req.body) : JSON.parse(req.body);
    } catch (e) {
      throw kubeErrors.badRequest(`the request body could not be decoded: ${(e as Error).message}`);
    }
  }

  private parseObject(req: ApiRequest): JsonObject {
    const body = this.parseBody(req);
    if (!isObject(body)) throw kubeErrors.badRequest('the request body must be an object');
    const r = req.resource;
    if (body.apiVersion === undefined) body.apiVersion = groupVersion(r);
    if (body.kind === undefined) body.kind = r.kind;
    if (body.apiVersion !== groupVersion(r) || body.kind !== r.kind) {
      throw kubeErrors.badRequest(`the API version in the data (${String(body.apiVersion)}) and kind (${String(body.kind)}) do not match the request (${groupVersion(r)}, ${r.kind})`);
    }
    const md = isObject(body.metadata) ? body.metadata : (body.metadata = {});
    if (r.namespaced) {
      if (md.namespace !== undefined && md.namespace !== '' && md.namespace !== req.namespace) {
        throw kubeErrors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      md.namespace = req.namespace;
    } else delete md.namespace;
    return body;
  }

  private manager(req: ApiRequest): string {
    const explicit = req.query.get('fieldManager');
    if (explicit) return explicit;
    const agent = (req.userAgent ?? '').split('/')[0]?.trim();
    return agent || 'unknown';
  }

  private fieldValidation(req: ApiRequest): ValidationOptions['fieldValidation'] {
    const v = req.query.get('fieldValidation');
    if (v === null || v === '') return this.defaultFieldValidation;
    if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
    throw kubeErrors.badRequest(`fieldValidation must be one of Strict, Warn, Ignore (got "${v}")`);
  }

  private dryRun(req: ApiRequest): boolean {
    const v = req.query.get('dryRun');
    if (v === null) return false;
    if (v === 'All') return true;
    throw kubeErrors.badRequest(`dryRun must be "All" (got "${v}")`);
  }

  private requireNamespace(req: ApiRequest): void {
    if (!req.resource.namespaced) return;
    const ns = this.registry.byResource('', 'v1', 'namespaces');
    if (ns && !this.store.get(ns, '', req.namespace ?? '')) throw kubeErrors.notFound('namespaces', '', req.namespace ?? '');
  }

  /** Validates in place; throws 422 with one cause per problem. Returns warnings for the Warning header. */
  private validate(req: ApiRequest, obj: JsonObject, old: JsonObject | undefined): string[] {
    const validator = this.validators.get(req.resource);
    if (!validator) throw kubeErrors.internal(`no validator for ${req.resource.plural}`);
    const result = validator.check(obj, old, { fieldValidation: this.fieldValidation(req) });
    if (result.causes.length > 0) throw kubeErrors.invalid(req.resource.kind, req.resource.group, String(metadataOf(obj).name ?? ''), result.causes);
    return result.warnings;
  }

  private withWarnings(status: number, body: unknown, warnings: string[]): ApiResponse {
    return warnings.length ? { status, body, headers: { Warning: warnings.map((w) => `299 - "${w.replace(/"/g, "'")}"`).join(', ') } } : { status, body };
  }

  private stripServerOwned(obj: JsonObject): void {
    const md = metadataOf(obj);
    for (const k of SERVER_OWNED) delete md[k];
  }

  private create(req: ApiRequest): ApiResponse {
    const obj = this.parseObject(req);
    const md = metadataOf(obj);
    if ((md.name === undefined || md.name === '') && typeof md.generateName === 'string') {
      md.name = `${md.generateName}${randomBytes(4).toString('hex').slice(0, 5)}`;
    }
    this.requireNamespace(req);
    this.stripServerOwned(obj);
    if (req.resource.statusSubresource) delete obj.status;
    this.systemDefaults(req, obj);
    const warnings = this.validate(req, obj, undefined);
    recordUpdate(undefined, obj, this.manager(req), groupVersion(req.resource), this.timestamp(), req.resource.statusSubresource);
    if (this.dryRun(req)) return this.withWarnings(201, obj, warnings);
    return this.withWarnings(201, this.store.create(req.resource, obj), warnings);
  }

  /** What the API server and its controllers add to a new object of a built-in kind. */
  private systemDefaults(req: ApiRequest, obj: JsonObject): void {
    if (req.resource.group !== '' || req.resource.kind !== 'Namespace') return;
    const md = metadataOf(obj);
    md.labels = { ...(isObject(md.labels) ? md.labels : {}), 'kubernetes.io/metadata.name': String(md.name) };
    obj.spec = { finalizers: ['kubernetes'], ...(isObject(obj.spec) ? obj.spec : {}) };
    obj.status = { phase: 'Active' };
  }

  private existing(req: ApiRequest, name: string): JsonObject {
    const old = this.store.get(req.resource, req.namespace ?? '', name);
    if (!old) throw kubeErrors.notFound(req.resource.plural, req.resource.group, name);
    return old;
  }

  /** Main resource writes keep the stored status; /status writes keep everything but status. */
  private scopeToSubresource(req: ApiRequest, old: JsonObject, next: JsonObject): JsonObject {
    if (req.subresource === 'status') {
      const out = clone(old);
      if (next.status === undefined) delete out.status;
      else out.status = next.status;
      const md = metadataOf(next);
      if (md.resourceVersion !== undefined) metadataOf(out).resourceVersion = md.resourceVersion;
      return out;
    }
    if (req.resource.statusSubresource) {
      if (old.status === undefined) delete next.status;
      else next.status = clone(old.status);
    }
    return next;
  }

  private commitUpdate(req: ApiRequest, old: JsonObject, next: JsonObject, expectedRv: string | undefined): ApiResponse {
    const md = metadataOf(next);
    const oldMd = metadataOf(old);
    md.name = oldMd.name;
    if (req.resource.namespaced) md.namespace = oldMd.namespace;
    for (const k of ['uid', 'creationTimestamp'] as const) if (oldMd[k] !== undefined) md[k] = oldMd[k];
    md.managedFields = oldMd.managedFields;
    const warnings = this.validate(req, next, old);
    recordUpdate(old, next, this.manager(req), groupVersion(req.resource), this.timestamp(), req.resource.statusSubresource, req.subresource);
    if (this.dryRun(req)) return this.withWarnings(200, next, warnings);
    return this.withWarnings(200, this.store.update(req.resource, next, expectedRv), warnings);
  }

  private update(req: ApiRequest, name: string): ApiResponse {
    const obj = this.parseObject(req);
    const md = metadataOf(obj);
    if (md.name !== name) throw kubeErrors.badRequest(`the name of the object (${String(md.name)}) does not match the name on the URL (${name})`);
    const old = this.existing(req, name);
    const rv = typeof md.resourceVersion === 'string' ? md.resourceVersion : undefined;
    if (!rv && !req.resource.builtin) {
      const cause: StatusCause = { reason: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' };
      throw kubeErrors.invalid(req.resource.kind, req.resource.group, name, [cause]);
    }
    return this.commitUpdate(req, old, this.scopeToSubresource(req, old, obj), rv);
  }

  private patch(req: ApiRequest, name: string): ApiResponse {
    const type = req.contentType.split(';')[0]?.trim() ?? '';
    if (type === 'application/apply-patch+yaml') return this.apply(req, name);
    const old = this.existing(req, name);
    const body = this.parseBody(req);
    let patched: unknown;
    if (type === 'application/merge-patch+json') patched = mergePatch(old, body);
    else if (type === 'application/strategic-merge-patch+json') patched = strategicMergePatch(old, body);
    else if (type === 'application/json-patch+json') patched = jsonPatch(old, body);
    else throw kubeErrors.unsupportedMediaType(req.contentType);
    if (!isObject(patched)) throw kubeErrors.badRequest('the patch did not produce an object');
    const rv = metadataOf(patched).resourceVersion;
    const expectedRv = typeof rv === 'string' && rv !== metadataOf(old).resourceVersion ? rv : undefined;
    patched.apiVersion = groupVersion(req.resource);
    patched.kind = req.resource.kind;
    return this.commitUpdate(req, old, this.scopeToSubresource(req, old, patched), expectedRv);
  }

  private apply(req: ApiRequest, name: string): ApiResponse {
    const manager = req.query.get('fieldManager');
    if (!manager) throw kubeErrors.badRequest('PATCH, application/apply-patch+yaml requests must include the fieldManager query parameter');
    const force = req.query.get('force') === 'true';
    const applied = this.parseObject(req);
    const md = metadataOf(applied);
    if (md.name !== undefined && md.name !== name) throw kubeErrors.badRequest(`the name of the object (${String(md.name)}) does not match the name on the URL (${name})`);
    md.name = name;
    for (const k of SERVER_OWNED) if (k !== 'resourceVersion') delete md[k];
    const old = this.store.get(req.resource, req.namespace ?? '', name);
    const expectedRv = typeof md.resourceVersion === 'string' ? md.resourceVersion : undefined;
    delete md.resourceVersion;
    if (!old) this.requireNamespace(req);
    const merged = serverSideApply({
      live: old, applied, manager, force, apiVersion: groupVersion(req.resource), now: this.timestamp(),
      skipStatus: req.resource.statusSubresource && req.subresource !== 'status',
      resource: req.resource.plural, group: req.resource.group, name,
    });
    merged.apiVersion = groupVersion(req.resource);
    merged.kind = req.resource.kind;
    const mmd = metadataOf(merged);
    mmd.name = name;
    if (req.resource.namespaced) mmd.namespace = req.namespace;
    const warnings = this.validate(req, merged, old);
    if (this.dryRun(req)) return this.withWarnings(old ? 200 : 201, merged, warnings);
    if (!old) {
      this.systemDefaults(req, merged);
      return this.withWarnings(201, this.store.create(req.resource, merged), warnings);
    }
    const scoped = req.subresource === 'status' ? this.scopeToSubresource(req, old, merged) : merged;
    if (req.subresource === 'status') metadataOf(scoped).managedFields = mmd.managedFields;
    return this.withWarnings(200, this.store.update(req.resource, scoped, expectedRv), warnings);
  }

  private delete(req: ApiRequest, name: string): ApiResponse {
    this.existing(req, name);
    if (this.dryRun(req)) return { status: 200, body: this.existing(req, name) };
    const gone = this.store.delete(req.resource, req.namespace ?? '', name);
    if (req.resource.kind === 'Namespace' && !req.resource.group) this.deleteNamespaceContents(name);
    return { status: 200, body: gone };
  }

  private deleteNamespaceContents(namespace: string): void {
    for (const r of this.registry.all) {
      if (!r.namespaced) continue;
      for (const o of this.store.list(r, namespace)) this.store.delete(r, namespace, String(metadataOf(o).name));
    }
  }

  private deleteCollection(req: ApiRequest): ApiResponse {
    const items = this.select(req);
    const deleted = this.dryRun(req) ? items : items.map((o) => this.store.delete(req.resource, String(metadataOf(o).namespace ?? ''), String(metadataOf(o).name)));
    return { status: 200, body: { kind: req.resource.listKind, apiVersion: groupVersion(req.resource), metadata: { resourceVersion: this.store.resourceVersion() }, items: deleted } };
  }
}
