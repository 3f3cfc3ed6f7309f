/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: [
    '<rootDir>/src',
    '<rootDir>/dev',
    '<rootDir>/compat',
    '<rootDir>/plugins/gatehouse-common/src',
  ],
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
  // Each suite loads its own copy of Backstage's modules (a backend suite
  // adds 100-150 MB of heap), which V8 collects lazily: a worker ended a full
  // run holding 0.7-1.4 GB, and freeing that as it exited took 0.8-1 s, past
  // jest-worker's 500 ms grace ("A worker process has failed to exit
  // gracefully"), though nothing was left running. A worker whose heap is
  // over this after a suite is replaced, so each exits in 0.1-0.3 s.
  workerIdleMemoryLimit: '256MB',
};
