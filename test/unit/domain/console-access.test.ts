import { authModuleOn, consoleAccess, decodeClientPrincipal } from '../../../lib/domain/console-access';

/** The console's trust rule: x-ms-client-principal* headers count only behind App Service authentication. */
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');
const ada = {
  auth_typ: 'aad',
  name_typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
  claims: [
    { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: '5b5450db-eb26-4c1a-981c-ba1d25f0483d' },
    { typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', val: 'ada@contoso.example' },
    { typ: 'roles', val: 'egress-reader' },
  ],
};
const signedInHeaders = { id: '5b5450db-eb26-4c1a-981c-ba1d25f0483d', name: 'ada@contoso.example', idp: 'aad', principal: b64(ada) };

describe('console access (lib/domain/console-access.ts)', () => {
  it('module off: refused with 403 SignInNotEnabled even with a full forged set of principal headers, and says what to do', () => {
    for (const websiteAuthEnabled of [undefined, '', 'False', 'false', '0', 'yes']) {
      const access = consoleAccess({ websiteAuthEnabled, headers: signedInHeaders });
      expect(access).toMatchObject({ kind: 'refused', status: 403, code: 'SignInNotEnabled', details: [{ field: 'WEBSITE_AUTH_ENABLED' }] });
      if (access.kind !== 'refused') throw new Error('not refused');
      expect(access.message).toContain('function key');
      expect(access.message).toContain('function_app_entra_auth');
    }
  });

  it('module on and a signed-in principal: allowed, named as App Service names the person', () => {
    expect(consoleAccess({ websiteAuthEnabled: 'True', headers: signedInHeaders })).toEqual({
      kind: 'signed-in', user: { id: signedInHeaders.id, name: 'ada@contoso.example', identityProvider: 'aad' },
    });
    // Without the -NAME and -IDP headers: the principal's name_typ claim and auth_typ.
    expect(consoleAccess({ websiteAuthEnabled: 'true', headers: { id: signedInHeaders.id, principal: signedInHeaders.principal } })).toEqual({
      kind: 'signed-in', user: { id: signedInHeaders.id, name: 'ada@contoso.example', identityProvider: 'aad' },
    });
    // Only the id: still signed in (App Service set it), named by the id.
    expect(consoleAccess({ websiteAuthEnabled: 'True', headers: { id: 'abc' } })).toEqual({ kind: 'signed-in', user: { id: 'abc', name: 'abc' } });
  });

  it('module on, nobody signed in: 401 SignInRequired pointing at /.auth/login/aad', () => {
    for (const headers of [{}, { id: '  ' }, { name: 'ada@contoso.example', principal: b64(ada) }]) {
      const access = consoleAccess({ websiteAuthEnabled: 'True', headers });
      expect(access).toMatchObject({ kind: 'refused', status: 401, code: 'SignInRequired', details: [{ field: 'x-ms-client-principal-id' }] });
      if (access.kind === 'refused') expect(access.message).toContain('/.auth/login/aad');
    }
  });

  it('module on, malformed principal: 401 InvalidClientPrincipal naming the problem', () => {
    const cases: Array<[string, string]> = [
      ['not base64 at all!', 'is not Base64'],
      [b64('{"auth_typ": "aad", "claims": ['), 'is not Base64-encoded UTF-8 JSON'],
      [b64({ claims: [] }), 'decoded, auth_typ'],
      [b64({ auth_typ: 'aad', claims: [{ typ: 'SeriesId', val: 10000 }] }), 'decoded, claims[0].val'],
      [b64({ auth_typ: 'aad', claims: 'none' }), 'decoded, claims'],
      [b64([1, 2]), 'decoded, (the whole value)'],
    ];
    for (const [principal, reason] of cases) {
      const access = consoleAccess({ websiteAuthEnabled: 'True', headers: { id: 'abc', principal } });
      expect(access).toMatchObject({ kind: 'refused', status: 401, code: 'InvalidClientPrincipal', details: [{ field: 'x-ms-client-principal' }] });
      if (access.kind !== 'refused') throw new Error(`${principal} was let in`);
      expect(access.details[0]!.reason.startsWith(reason)).toBe(true);
      expect(access.message).toContain(access.details[0]!.reason);
    }
  });

  it('decodes the documented principal shape and reads WEBSITE_AUTH_ENABLED as App Service writes it', () => {
    expect(decodeClientPrincipal(b64(ada))).toEqual({ ok: true, value: ada });
    expect([authModuleOn('True'), authModuleOn('true'), authModuleOn(' TRUE '), authModuleOn('False'), authModuleOn(undefined), authModuleOn('1')]).toEqual([true, true, true, false, false, false]);
  });
});
