import { createTokenIssuer, verifyToken } from '../../../local/emulators/shared/token';

const identity = { tenantId: 't-1', principalId: 'p-1', clientId: 'c-1' };

describe('shared access tokens (RS256)', () => {
  let clock = 1_800_000_000_000;
  const issuer = createTokenIssuer({ now: () => clock, lifetimeSeconds: 60 });

  it('issues a token whose claims carry audience, expiry and identity, and verifies it', () => {
    const { token, claims } = issuer.issue('https://management.azure.com', identity);
    expect(claims).toMatchObject({ aud: 'https://management.azure.com', oid: 'p-1', appid: 'c-1', tid: 't-1', exp: claims.iat + 60 });
    const result = issuer.verify(token, { audiences: ['https://management.azure.com/'] });
    expect(result).toEqual({ ok: true, claims });
  });

  it('rejects a wrong audience, an expired token, a tampered token and a foreign key', () => {
    const { token } = issuer.issue('https://storage.azure.com', identity);
    expect(issuer.verify(token, { audiences: ['https://management.azure.com'] })).toMatchObject({ ok: false, code: 'InvalidAuthenticationTokenAudience' });
    const tampered = token.replace(/\.([^.]+)\./, (_m, p: string) => `.${p.slice(0, -2)}AA.`);
    expect(issuer.verify(tampered, { audiences: ['https://storage.azure.com'] })).toMatchObject({ ok: false, code: 'InvalidAuthenticationToken' });
    expect(issuer.verify('garbage', { audiences: ['x'] })).toMatchObject({ ok: false, code: 'InvalidAuthenticationToken' });
    const other = createTokenIssuer();
    expect(verifyToken(token, { audiences: ['https://storage.azure.com'], publicKeyPem: other.publicKeyPem })).toMatchObject({ ok: false, code: 'InvalidAuthenticationToken' });
    clock += 61_000;
    expect(issuer.verify(token, { audiences: ['https://storage.azure.com'] })).toMatchObject({ ok: false, code: 'ExpiredAuthenticationToken' });
  });
});
