/**
 * Jest runs TypeScript through SWC (fast, no type-check: `tsc --noEmit` does that in `npm test`).
 * @kubernetes/client-node 2.x and a few of its dependencies are ESM-only; Jest on Node 22 cannot
 * require ESM, so those packages are transformed to CommonJS too.
 */
const esmPackages = ['@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose', 'jsonpath-plus', '@jsep-plugin', 'jsep', 'rfc4648', 'socks-proxy-agent', 'agent-base', '@bufbuild/cel', '@bufbuild/protobuf'];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/local', '<rootDir>/lib'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j|mj|mt)sx?$': ['@swc/jest', { jsc: { target: 'es2023', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'mts', 'js', 'mjs', 'cjs', 'json'],
  // lib/console is ES modules (.mts → .mjs, which the browser loads); an import of `…/console/x.mjs` is its .mts source.
  moduleNameMapper: { '^(.*/console/[a-z-]+)\\.mjs$': '$1.mts' },
  testTimeout: 60000,
  maxWorkers: 2,
};
