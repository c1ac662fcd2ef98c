import { spawn } from 'node:child_process';
import path from 'node:path';

// Interim sandbox: starts what exists today (Azurite) and says what is still missing.
// The full sandbox (emulators seeded with the reference hub, the local Functions host with the app)
// replaces this as those parts land.
const root = path.resolve(__dirname, '..', '..', '..');
const azurite = spawn(path.join(root, 'node_modules', '.bin', 'azurite'),
  ['--blobPort', '0', '--queuePort', '0', '--tablePort', '0', '--inMemoryPersistence', '--disableTelemetry', '--silent'],
  { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
console.log('egress-pilot sandbox (interim): Azurite is starting; not yet available: Kubernetes emulator, ARM emulator, local Functions host.');
console.log('Press Ctrl-C to stop.');
const stop = (): void => { azurite.kill('SIGTERM'); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
azurite.on('exit', (code) => process.exit(code ?? 0));
