// ESLint: typescript-eslint's strict and stylistic type-checked rules over every package, its tests,
// the scripts and the benchmarks, each file typed by the nearest tsconfig.json that includes it.
// Prettier owns formatting (eslint-config-prettier turns off the rules it would fight).
// `npm run lint` runs this with --max-warnings=0, then `prettier --check`.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier/flat';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['**/dist/', '**/node_modules/', '.tessera/', '.scratch/', 'coverage/', 'bench/results/']),
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          // The few files no tsconfig.json includes, typed with the base options (strict).
          allowDefaultProject: ['*.mjs', '*.cjs', 'web/vite.config.ts', 'helm/tessera/files/*.mjs'],
          defaultProject: 'tsconfig.base.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // noUncheckedIndexedAccess types every indexed read `T | undefined`; `xs[i]!` is how the code
      // states a bound it has checked (loops over typed arrays, chunk grids). no-unnecessary-type-assertion
      // still flags a `!` on a value that cannot be nullish.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // A number renders the same everywhere; objects, nullish values and booleans stay flagged.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `() => resolve()` says no more than `() => { resolve(); }`, and `return void send(...)` is the
      // code's explicit early return of nothing; a void value used as a value stays flagged.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true, ignoreVoidOperator: true }],
      // The `void` of `return void send(...)` above is how that early return says it yields nothing.
      '@typescript-eslint/no-meaningless-void-operator': 'off',
      // An empty environment variable or text field means "not set": `value || fallback` on a string is deliberate.
      '@typescript-eslint/prefer-nullish-coalescing': ['error', { ignorePrimitives: { string: true } }],
      // `element<HTMLInputElement>('id')` names the element type the page's markup guarantees, as
      // lib.dom's querySelector<T> does; the rule would turn each into a cast at the call.
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
      // A leading underscore marks a parameter a signature needs but the body does not (Express's
      // four-argument error handler, a stub's payload); `{ omitted: _, ...rest }` drops a key.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // `let renderer: Renderer | undefined` is read by callbacks before its one assignment.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Plain JavaScript (scripts, benchmarks, the chart's hook): Node globals, which TypeScript checks in .ts files.
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: globals.node },
    rules: {
      // JavaScript is typed by inference and JSDoc only: JSON.parse results and untyped packages are
      // `any`, and these rules would ask for a cast on every use.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // `total += counts[i]` under noUncheckedIndexedAccess: JavaScript cannot write the `!` that
      // states the checked bound, as the TypeScript files do.
      '@typescript-eslint/restrict-plus-operands': 'off',
      // JSDoc types are narrower than what arrives at run time (spawnSync's stdout when the spawn
      // fails, flags that other callbacks flip): the guards are real.
      '@typescript-eslint/no-unnecessary-condition': 'off',
    },
  },
  {
    // Tests guard their teardown (`await redis?.stop()` runs even when the before hook failed) and loop
    // on flags other callbacks flip (`while (placing)`): conditions the type checker cannot see change.
    files: ['**/test/**/*.ts', 'e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-unnecessary-condition': 'off' },
  },
  {
    // The chart tests walk rendered manifests parsed from YAML (`K8sObject`, deliberately `any`): a wrong
    // path fails the assertion that reads it, which is the check these rules would add.
    files: ['helm/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  prettier,
);
