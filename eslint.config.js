// ESLint 9 flat config (the `.eslintrc.js` format is deprecated in ESLint 9).
const tseslint = require('typescript-eslint');
const prettier = require('eslint-config-prettier');
const globals = require('globals');

module.exports = tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      '.gatehouse-dev/',
      '.gatehouse-test-build*/',
      // The frontend plugin is its own package, linted and tested with its own tools.
      'plugins/gatehouse/',
      'plugins/gatehouse-common/dist/',
      // An app's source, built with backstage-cli by browser/createApp.test.ts.
    ],
  },
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      eqeqeq: ['error', 'smart'],
      'no-console': 'error',
      'prefer-const': 'error',
    },
  },
  {
    // Only the dev backend's banner and tests may print directly; the module logs
    // through Backstage's LoggerService, which redacts configured secrets.
    files: ['dev/**', '**/*.test.ts', 'src/testing/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.js', 'bin/*'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
