// Lint rules for src, test and bench: typescript-eslint's recommended set, with the
// few rules this codebase deliberately departs from turned off and said why.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "web/dist/**", "node_modules/**", "test-results/**", "**/*.scratch.mts", "bench/results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Non-null assertions after a bounds check the compiler cannot see (typed-array indexing
      // under noUncheckedIndexedAccess) are the codebase's idiom in hot loops.
      "@typescript-eslint/no-non-null-assertion": "off",
      // `const enum`s are deliberate: tsc inlines their numbers into the hot paths.
      "@typescript-eslint/prefer-enum-initializers": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "no-constant-condition": ["error", { checkLoops: false }],
      // An initialiser states a variable's type for readers (and gives V8 a small integer from the
      // start in the engines' hot loops) even where every path assigns it again before use.
      "no-useless-assignment": "off",
      "no-labels": "off",
      "max-len": ["error", { code: 120, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
    },
  },
);
