/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/dev', '<rootDir>/compat'],
  globalSetup: '<rootDir>/jest.globalSetup.js',
  // The package's own name, as the README's examples import it.
  moduleNameMapper: {
    '^@gatehouse/backstage-plugin-gatehouse-backend-module$': '<rootDir>/src',
  },
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }],
    // ES-module-only dependencies, copied by jest.globalSetup.js.
    '/esm-as-cjs/.+\\.js$': [
      '@swc/jest',
      { jsc: { target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  resolver: '<rootDir>/jest.resolver.js',
  // startTestBackend and real HTTP servers make these integration tests; a few
  // seconds each on a 2-core machine is normal.
  testTimeout: 30000,
  // Backend tests start servers; run them in parallel workers but not more than the cores.
  maxWorkers: 2,
};
