// Lint rules: the recommended sets plus the few that keep `any` from leaking across boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // simulators/physics/wasm/: AssemblyScript (f64, i32, load/store), not TypeScript; compiled by
  // `npm run build:wasm` (asc), also excluded from tsconfig.json.
  { ignores: ['node_modules/**', 'ui/dist/**', 'coverage/**', 'bin/**', 'simulators/physics/wasm/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // The CLI, benchmarks and scripts print to the terminal on purpose.
    files: ['src/cli/**/*.ts', 'src/cli.ts', 'bench/**/*.ts', 'tests/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
