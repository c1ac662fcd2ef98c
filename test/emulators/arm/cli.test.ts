import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

/** The CLI the sandbox runs: starts from a JSON config, prints one JSON line when ready, stops on SIGTERM. */
describe('ARM emulator CLI', () => {
  it('prints url, identity endpoint and CA path, and serves over TLS with that CA', async () => {
    const root = path.resolve(__dirname, '..', '..', '..');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'arm-cli-'));
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ seed: 'reference', timings: { firewallUpdateMs: 10 }, caOutFile: 'ca.pem', identityHeader: 'cli-test-header' }));
    const child = spawn(process.execPath, [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'local', 'emulators', 'arm', 'cli.ts'), config], {
      cwd: root, stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('\n')) resolve(out.split('\n')[0] ?? ''); });
        child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
        child.on('exit', (code) => reject(new Error(`cli exited ${code ?? '?'}: ${err}`)));
      });
      const ready = JSON.parse(line) as { ready: boolean; url: string; identityEndpoint: string; identityHeader: string; subscriptionId: string; caCertPath: string };
      expect(ready).toMatchObject({ ready: true, identityHeader: 'cli-test-header', subscriptionId: '5f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f', caCertPath: path.join(dir, 'ca.pem') });
      expect(ready.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(ready.identityEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/msi\/token$/);
      const timings = await new Promise<string>((resolve, reject) => {
        https.get(`${ready.url}/_emulator/timings`, { ca: readFileSync(ready.caCertPath, 'utf8') }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => { body += c.toString(); });
          res.on('end', () => resolve(body));
        }).on('error', reject);
      });
      expect(JSON.parse(timings)).toMatchObject({ firewallUpdateMs: 10 });
    } finally {
      child.kill('SIGTERM');
    }
  });
});
