import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { apiBase, resolveConnection } from '../../../cli/connection';
import { findSandboxFile, readSandboxFile } from '../../../cli/sandbox-file';

const sandbox = { path: '/x/.sandbox/sandbox.json', info: { apiBaseUrl: 'http://127.0.0.1:7071/api', functionKey: 'fk', masterKey: 'mk' } };

describe('resolveConnection', () => {
  it('takes each of URL and key from flags, then the environment, then sandbox.json', () => {
    expect(resolveConnection({ flags: {}, env: {}, sandbox })).toEqual({ ok: true, value: { baseUrl: 'http://127.0.0.1:7071/api', key: 'fk', adminKey: 'mk', from: { url: sandbox.path, key: sandbox.path } } });
    const env = { EGRESS_PILOT_URL: 'https://app.example.net', EGRESS_PILOT_KEY: 'envkey' };
    expect(resolveConnection({ flags: {}, env, sandbox })).toMatchObject({ ok: true, value: { baseUrl: 'https://app.example.net/api', key: 'envkey', from: { url: 'EGRESS_PILOT_URL', key: 'EGRESS_PILOT_KEY' } } });
    expect(resolveConnection({ flags: { key: 'flagkey', adminKey: 'a' }, env, sandbox })).toMatchObject({ ok: true, value: { key: 'flagkey', adminKey: 'a', from: { url: 'EGRESS_PILOT_URL', key: '--key' } } });
  });

  it('says what is missing or wrong', () => {
    expect(resolveConnection({ flags: {}, env: {} })).toMatchObject({ ok: false, reason: expect.stringMatching(/^no API URL: pass --url, set EGRESS_PILOT_URL/) });
    expect(resolveConnection({ flags: { url: 'http://h' }, env: { EGRESS_PILOT_KEY: ' ' } })).toMatchObject({ ok: false, reason: expect.stringMatching(/^no function key/) });
    expect(resolveConnection({ flags: { url: 'ftp://h', key: 'k' }, env: {} })).toEqual({ ok: false, reason: '--url: "ftp://h" is not an http(s) URL' });
  });

  it('reads a bare origin or a trailing slash as the /api base', () => {
    expect([apiBase('http://h:1'), apiBase('http://h:1/api/'), apiBase('https://h/custom/api'), apiBase('nope')]).toEqual(['http://h:1/api', 'http://h:1/api', 'https://h/custom/api', undefined]);
  });
});

describe('sandbox.json', () => {
  it('is found in EGRESS_SANDBOX_DIR, else in .sandbox/ of the folder or a parent', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'cli-sandbox-'));
    mkdirSync(path.join(root, '.sandbox'));
    mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
    const file = path.join(root, '.sandbox', 'sandbox.json');
    writeFileSync(file, JSON.stringify(sandbox.info));
    expect(findSandboxFile(path.join(root, 'a', 'b'), {})).toBe(file);
    expect(findSandboxFile(path.join(root, 'a'), { EGRESS_SANDBOX_DIR: '../.sandbox' })).toBe(file);
    expect(findSandboxFile(root, { EGRESS_SANDBOX_DIR: 'elsewhere' })).toBeUndefined();
    expect(readSandboxFile(file)).toEqual({ ok: true, value: { path: file, info: sandbox.info } });
    writeFileSync(file, JSON.stringify({ apiBaseUrl: 'not a url', functionKey: 'k' }));
    expect(readSandboxFile(file)).toMatchObject({ ok: false, reason: expect.stringContaining('apiBaseUrl') });
  });
});
