import { HttpRequest } from '@azure/functions';
import { MAX_BODY_BYTES, readJsonBody, tenantKey } from '../../../functions/request-guards';

const request = (body: string | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }, params: Record<string, string> = {}) =>
  new HttpRequest({ method: 'POST', url: 'http://127.0.0.1/api/tenants', headers, params, ...(body !== undefined ? { body: { string: body } } : {}) });

const errorOf = (response: { jsonBody?: unknown } | undefined) => (response?.jsonBody as { error: { code: string; details: Array<{ field: string }> } }).error;

describe('readJsonBody: the API reads JSON only, and at most 256 KiB of it', () => {
  it('parses a JSON body, with or without a charset, and +json types', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/merge-patch+json']) {
      expect(await readJsonBody(request('{"a":1}', { 'content-type': type }))).toEqual({ ok: true, value: { a: 1 } });
    }
  });
  it.each(['text/plain', 'application/jsonx', 'text/json', 'application/x-www-form-urlencoded', ''])('refuses Content-Type %j with 415 naming Content-Type', async (type) => {
    const result = await readJsonBody(request('{"a":1}', type ? { 'content-type': type } : {}));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.response.status).toBe(415);
      expect(errorOf(result.response).details).toEqual([{ field: 'Content-Type', reason: 'must be application/json' }]);
    }
  });
  it('refuses a body one byte over the limit with 413 (by Content-Length, and by the bytes read), accepts one at the limit', async () => {
    const at = `"${'x'.repeat(MAX_BODY_BYTES - 2)}"`;
    expect((await readJsonBody(request(at))).ok).toBe(true);
    const over = `"${'x'.repeat(MAX_BODY_BYTES - 1)}"`;
    const variants: Array<Record<string, string>> = [{ 'content-type': 'application/json' }, { 'content-type': 'application/json', 'content-length': String(over.length) }];
    for (const headers of variants) {
      const result = await readJsonBody(request(over, headers));
      expect(result.ok ? 0 : result.response.status).toBe(413);
      if (!result.ok) expect(errorOf(result.response)).toMatchObject({ code: 'BodyTooLarge', details: [{ field: '(body)' }] });
    }
    // A declared length over the limit is refused before the body is read.
    const declared = await readJsonBody(request('{}', { 'content-type': 'application/json', 'content-length': String(MAX_BODY_BYTES + 1) }));
    expect(declared.ok ? 0 : declared.response.status).toBe(413);
  });
  it.each(['', '{', 'nul', '\u0000', '{"a":1}}'])('refuses %j with 400 InvalidJson naming (body)', async (body) => {
    const result = await readJsonBody(request(body));
    expect(result.ok ? undefined : errorOf(result.response)).toMatchObject({ code: 'InvalidJson', details: [{ field: '(body)' }] });
  });
  it('refuses bytes that are not UTF-8', async () => {
    const result = await readJsonBody(new HttpRequest({ method: 'POST', url: 'http://127.0.0.1/api/tenants', headers: { 'content-type': 'application/json' }, body: { bytes: new Uint8Array([0x22, 0xff, 0xfe, 0x22]) } }));
    expect(result.ok ? 0 : result.response.status).toBe(400);
  });
});

describe('tenantKey: path parameters held to the spec\'s rules', () => {
  const key = (cluster: string, name: string) => tenantKey(request(undefined, {}, { cluster, name }));
  it('accepts an AKS cluster name and a DNS-1123 tenant name', () => {
    expect(key('Spoke_1-aks', 'tenant-0')).toEqual({ ok: true, value: { cluster: 'Spoke_1-aks', name: 'tenant-0' } });
  });
  it.each<[string, string, string[]]>([
    ['spoke1-aks', 'Tenant_X', ['name']],
    ['spoke1-aks', 'x'.repeat(60), ['name']],
    ['../etc', 'ok', ['cluster']],
    ['a/b', '..', ['cluster', 'name']],
    ['-x', 'a b', ['cluster', 'name']],
    ['', '', ['cluster', 'name']],
  ])('cluster %j, name %j → 400 naming %j', (cluster, name, fields) => {
    const result = key(cluster, name);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.response.status).toBe(400);
      expect(errorOf(result.response).details.map((d) => d.field)).toEqual(fields);
    }
  });
});
