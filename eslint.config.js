// Lint: typescript-eslint's recommended rules, plus the typed rules that catch promises nobody waits for.
// Formatting is Biome's job (biome.json), not ESLint's.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'bench/**', 'node_modules/**', 'etc/**', 'coverage/**', 'src/console/dist/**', 'test/bench/**', 'test/types/fixtures/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // tsc reports unused locals and parameters (noUnusedLocals, noUnusedParameters), type tests included.
      '@typescript-eslint/no-unused-vars': 'off',
      // Type-level code needs `any` where a generic must accept every instantiation (Workflow<any, any, any>).
      '@typescript-eslint/no-explicit-any': 'off',
      // A variable assigned once but read by a callback made before the assignment (a subscription) stays a let.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Getters of an object literal need the outer object under another name (the budget's view).
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['ledger'] }],
    },
  },
);
