/**
 * Where the CLI talks to: flags first (--url, --key, --admin-key), then the environment (EGRESS_PILOT_URL,
 * EGRESS_PILOT_KEY, EGRESS_PILOT_ADMIN_KEY), then the sandbox's sandbox.json (found by sandbox-file.ts).
 * Each of URL and key is taken from the first source that has it. Pure.
 */
import { z } from 'zod';

export const sandboxInfoSchema = z.looseObject({
  apiBaseUrl: z.string().url(),
  functionKey: z.string().min(1),
  masterKey: z.string().min(1).optional(),
});
export type SandboxInfo = z.infer<typeof sandboxInfoSchema>;

export interface ConnectionSources {
  flags: { url?: string; key?: string; adminKey?: string };
  env: Readonly<Record<string, string | undefined>>;
  sandbox?: { path: string; info: SandboxInfo };
}

export interface Connection {
  /** The API base, ending in /api (no slash after). */
  baseUrl: string;
  key: string;
  adminKey?: string;
  /** Where each came from, for error messages. */
  from: { url: string; key: string };
}

export type Resolved = { ok: true; value: Connection } | { ok: false; reason: string };

const nonEmpty = (v: string | undefined): string | undefined => (v !== undefined && v.trim() !== '' ? v.trim() : undefined);

/** `https://app.azurewebsites.net` and `…/api/` both mean the API at `…/api`. */
export function apiBase(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  const path = parsed.pathname.replace(/\/+$/, '');
  return `${parsed.origin}${path === '' ? '/api' : path}`;
}

function firstOf(candidates: Array<[string | undefined, string]>): { value: string; from: string } | undefined {
  for (const [candidate, from] of candidates) {
    const value = nonEmpty(candidate);
    if (value !== undefined) return { value, from };
  }
  return undefined;
}

export function resolveConnection(sources: ConnectionSources): Resolved {
  const { flags, env, sandbox } = sources;
  const url = firstOf([[flags.url, '--url'], [env.EGRESS_PILOT_URL, 'EGRESS_PILOT_URL'], [sandbox?.info.apiBaseUrl, sandbox?.path ?? '']]);
  const key = firstOf([[flags.key, '--key'], [env.EGRESS_PILOT_KEY, 'EGRESS_PILOT_KEY'], [sandbox?.info.functionKey, sandbox?.path ?? '']]);
  const adminKey = nonEmpty(flags.adminKey) ?? nonEmpty(env.EGRESS_PILOT_ADMIN_KEY) ?? sandbox?.info.masterKey;
  if (!url) return { ok: false, reason: 'no API URL: pass --url, set EGRESS_PILOT_URL, or run `npm start` (its sandbox.json is found from here or EGRESS_SANDBOX_DIR)' };
  if (!key) return { ok: false, reason: 'no function key: pass --key or set EGRESS_PILOT_KEY' };
  const baseUrl = apiBase(url.value);
  if (!baseUrl) return { ok: false, reason: `${url.from}: "${url.value}" is not an http(s) URL` };
  return { ok: true, value: { baseUrl, key: key.value, ...(adminKey ? { adminKey } : {}), from: { url: url.from, key: key.from } } };
}
