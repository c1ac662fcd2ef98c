import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { clusterNameSchema, tenantNameSchema } from '../lib/domain/tenant-spec';
import { problem } from './http-problems';

/**
 * The largest request body the API reads (256 KiB): a tenant spec at every SPEC_LIMITS maximum is
 * far smaller. Checked before parsing (Content-Length, then the bytes actually read), so an oversize
 * body costs neither memory nor a JSON parse. Documented in the OpenAPI document and the README.
 */
export const MAX_BODY_BYTES = 256 * 1024;

export type Guarded<T> = { ok: true; value: T } | { ok: false; response: HttpResponseInit };

const tooLarge = (): Guarded<never> => ({
  ok: false,
  response: problem(413, 'BodyTooLarge', `the request body exceeds ${MAX_BODY_BYTES} bytes (256 KiB)`, [{ field: '(body)', reason: `must be at most ${MAX_BODY_BYTES} bytes` }]),
});

/** `application/json` or a `+json` type, with or without parameters (charset). */
const isJson = (contentType: string): boolean => /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i.test(contentType.trim());

/** Reads a JSON body: 415 for another Content-Type, 413 over MAX_BODY_BYTES, 400 for text that is not JSON. */
export async function readJsonBody(request: HttpRequest): Promise<Guarded<unknown>> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!isJson(contentType)) {
    return { ok: false, response: problem(415, 'UnsupportedMediaType', `the body must be application/json (got ${contentType ? JSON.stringify(contentType.slice(0, 100)) : 'no Content-Type'})`, [{ field: 'Content-Type', reason: 'must be application/json' }]) };
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return tooLarge();
  const bytes = await readCapped(request);
  if (bytes === undefined) return tooLarge();
  try {
    return { ok: true, value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown };
  } catch {
    return { ok: false, response: problem(400, 'InvalidJson', 'the body is not valid UTF-8 JSON', [{ field: '(body)', reason: 'is not valid JSON' }]) };
  }
}

/** The body's bytes, or undefined once more than MAX_BODY_BYTES arrived (stops reading there). */
async function readCapped(request: HttpRequest): Promise<Uint8Array | undefined> {
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}


/** `{cluster}` and `{name}` of /api/tenants/{cluster}/{name}, held to the spec's own rules (400 naming each). */
export function tenantKey(request: HttpRequest): Guarded<{ cluster: string; name: string }> {
  const cluster = request.params.cluster ?? '';
  const name = request.params.name ?? '';
  const details = [
    ...issues('cluster', clusterNameSchema.safeParse(cluster)),
    ...issues('name', tenantNameSchema.safeParse(name)),
  ];
  if (details.length > 0) return { ok: false, response: problem(400, 'InvalidPathParameter', `bad path parameters: ${details.map((d) => `${d.field} ${d.reason}`).join('; ')}`, details) };
  return { ok: true, value: { cluster, name } };
}

function issues(field: string, result: { success: boolean; error?: z.ZodError }): Array<{ field: string; reason: string }> {
  return result.success ? [] : [{ field, reason: result.error?.issues[0]?.message ?? 'is invalid' }];
}
