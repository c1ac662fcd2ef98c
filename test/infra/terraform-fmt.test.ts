/**
 * `terraform fmt -check` over infra/ when a terraform binary is on PATH (it needs no provider and no network);
 * skipped, and counted as skipped, where it is missing. `terraform validate` and `plan` need the providers
 * (a registry this machine cannot reach) and remain unproven here (infra/README.md, Not proven yet).
 */
import { spawnSync } from 'node:child_process';
import { haveTerraform, INFRA } from './support';

const terraformOnPath = haveTerraform();
const withTerraform = terraformOnPath ? it : it.skip;
if (!terraformOnPath) console.warn('test/infra: terraform fmt check skipped, no terraform binary on PATH');

describe('terraform fmt', () => {
  withTerraform('infra/ is formatted as `terraform fmt` writes it (every .tf, recursively)', () => {
    const r = spawnSync('terraform', ['fmt', '-check', '-recursive', '-diff', INFRA], { encoding: 'utf8' });
    expect({ status: r.status, diff: r.stdout }).toEqual({ status: 0, diff: '' });
  });
});
