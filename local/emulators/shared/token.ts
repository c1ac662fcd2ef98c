import { createPublicKey, createSign, createVerify, generateKeyPairSync, randomUUID } from 'node:crypto';

/**
 * Access tokens as Microsoft Entra issues them for a managed identity: compact JWS, RS256, with
 * `aud` (the requested resource, without `/.default`), `iat`/`nbf`/`exp` (seconds), `oid`, `appid`,
 * `tid`. Hand-written on node:crypto because signing and checking one RS256 JWT is ~40 lines and
 * keeps the emulators free of a JOSE dependency (jose 6 is ESM-only).
 */
export interface TokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  oid: string;
  appid: string;
  tid: string;
  sub: string;
  idtyp: 'app';
  ver: '1.0';
  [claim: string]: unknown;
}

export interface ManagedIdentity {
  tenantId: string;
  /** The identity's object (principal) id: `oid` and `sub`. */
  principalId: string;
  /** The identity's client (application) id: `appid`. */
  clientId: string;
}

export type TokenFailureCode = 'InvalidAuthenticationToken' | 'ExpiredAuthenticationToken' | 'InvalidAuthenticationTokenAudience';

export type TokenVerification =
  | { ok: true; claims: TokenClaims }
  | { ok: false; code: TokenFailureCode; message: string };

export interface VerifyOptions {
  /** Accepted audiences; compared without a trailing slash and case-insensitively. */
  audiences: readonly string[];
  publicKeyPem: string;
  /** Milliseconds since the epoch; default Date.now(). */
  now?: number;
  /** Allowed clock skew in seconds for `exp`/`nbf`; default 0 (the emulators share one clock). */
  clockSkewSeconds?: number;
}

export interface TokenIssuer {
  publicKeyPem: string;
  keyId: string;
  /** `lifetimeSeconds` overrides the issuer's default (negative gives an already expired token, for tests). */
  issue(audience: string, identity: ManagedIdentity, options?: { lifetimeSeconds?: number }): { token: string; claims: TokenClaims };
  verify(token: string, options: { audiences: readonly string[] }): TokenVerification;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** `https://management.azure.com/` and `https://management.azure.com` are the same audience. */
export function normalizeAudience(audience: string): string {
  return audience.replace(/\/+$/, '').toLowerCase();
}

function parseJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isClaims(payload: Record<string, unknown>): payload is TokenClaims {
  return typeof payload.aud === 'string' && typeof payload.exp === 'number' && typeof payload.nbf === 'number'
    && typeof payload.oid === 'string' && typeof payload.appid === 'string';
}

/** Check signature, expiry and audience of an access token; never throws. */
export function verifyToken(token: string, options: VerifyOptions): TokenVerification {
  const parts = token.split('.');
  const [headerPart, payloadPart, signaturePart] = parts;
  if (parts.length !== 3 || headerPart === undefined || payloadPart === undefined || signaturePart === undefined) {
    return { ok: false, code: 'InvalidAuthenticationToken', message: 'The access token is invalid: not a compact JWS (three dot-separated parts).' };
  }
  const header = parseJson(headerPart);
  if (header?.alg !== 'RS256') {
    return { ok: false, code: 'InvalidAuthenticationToken', message: 'The access token is invalid: header alg must be RS256.' };
  }
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${headerPart}.${payloadPart}`);
  let signatureOk = false;
  try {
    signatureOk = verifier.verify(createPublicKey(options.publicKeyPem), Buffer.from(signaturePart, 'base64url'));
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) {
    return { ok: false, code: 'InvalidAuthenticationToken', message: 'The access token is invalid: signature verification failed.' };
  }
  const payload = parseJson(payloadPart);
  if (payload === undefined || !isClaims(payload)) {
    return { ok: false, code: 'InvalidAuthenticationToken', message: 'The access token is invalid: claims aud, exp, nbf, oid and appid are required.' };
  }
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  const skew = options.clockSkewSeconds ?? 0;
  if (payload.exp + skew <= nowSeconds) {
    return {
      ok: false,
      code: 'ExpiredAuthenticationToken',
      message: `The access token expiry UTC time '${new Date(payload.exp * 1000).toISOString()}' is earlier than current UTC time '${new Date(nowSeconds * 1000).toISOString()}'.`,
    };
  }
  if (payload.nbf - skew > nowSeconds) {
    return { ok: false, code: 'InvalidAuthenticationToken', message: `The access token is not yet valid (nbf ${new Date(payload.nbf * 1000).toISOString()}).` };
  }
  const accepted = options.audiences.map(normalizeAudience);
  if (!accepted.includes(normalizeAudience(payload.aud))) {
    return {
      ok: false,
      code: 'InvalidAuthenticationTokenAudience',
      message: `The access token has been obtained for wrong audience or resource '${payload.aud}'. It should exactly match with one of the allowed audiences ${options.audiences.map((a) => `'${a}'`).join(',')}.`,
    };
  }
  return { ok: true, claims: payload };
}

export interface TokenIssuerOptions {
  /** Token lifetime in seconds; default 3600 (Entra issues 60-90 min tokens). */
  lifetimeSeconds?: number;
  /** Milliseconds since the epoch; injectable so tests can expire tokens. */
  now?: () => number;
}

/** A signing key pair and the functions to issue and verify tokens with it. */
export function createTokenIssuer(options: TokenIssuerOptions = {}): TokenIssuer {
  const now = options.now ?? Date.now;
  const lifetime = options.lifetimeSeconds ?? 3600;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const keyId = randomUUID();
  return {
    publicKeyPem,
    keyId,
    issue(audience, identity, issueOptions) {
      const iat = Math.floor(now() / 1000);
      const tokenLifetime = issueOptions?.lifetimeSeconds ?? lifetime;
      const claims: TokenClaims = {
        aud: audience,
        iss: `https://sts.windows.net/${identity.tenantId}/`,
        iat,
        nbf: Math.min(iat, iat + tokenLifetime),
        exp: iat + tokenLifetime,
        oid: identity.principalId,
        sub: identity.principalId,
        appid: identity.clientId,
        tid: identity.tenantId,
        idtyp: 'app',
        ver: '1.0',
      };
      const signingInput = `${b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', kid: keyId }))}.${b64url(JSON.stringify(claims))}`;
      const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKey);
      return { token: `${signingInput}.${b64url(signature)}`, claims };
    },
    verify(token, verifyOptions) {
      return verifyToken(token, { audiences: verifyOptions.audiences, publicKeyPem, now: now() });
    },
  };
}
