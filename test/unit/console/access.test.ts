import { accessFromWhoAmI } from '../../../lib/console/access.mjs';
import { advise } from '../../../lib/console/problems.mjs';

/** How the page decides between the keyless console routes and the function key (console/app.js asks whoami once). */
describe('console access mode', () => {
  it('signed in (whoami 200): the keyless routes next to the page, never a key', () => {
    expect(accessFromWhoAmI(200, { signedIn: true, user: { id: 'abc', name: 'ada@contoso.example', identityProvider: 'aad' }, signOutUrl: '/.auth/logout' }))
      .toEqual({ mode: 'signed-in', base: '../console-api/', user: { id: 'abc', name: 'ada@contoso.example' }, signOutUrl: '/.auth/logout' });
  });

  it('no App Service authentication here (403), or an app without these routes (404): the function key, as before', () => {
    for (const status of [403, 404, 500]) expect(accessFromWhoAmI(status, { error: { code: 'SignInNotEnabled' } })).toEqual({ mode: 'key', base: '../' });
  });

  it('sign-in on but this session has none (401): says so without asking for a key', () => {
    expect(accessFromWhoAmI(401, undefined)).toEqual({ mode: 'signed-out', status: 401 });
    const a = advise({ kind: 'signed-out', status: 401 });
    expect([a.askKey, a.title]).toEqual([false, 'Your sign-in has ended']);
    expect(a.todo).toContain('Reload the page');
  });

  it('a 200 of another shape names the wrong field', () => {
    expect(() => accessFromWhoAmI(200, { signedIn: true, user: { id: 'abc' } })).toThrow('user.name is not a string');
  });
});
