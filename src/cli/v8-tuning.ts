/**
 * V8 settings for Baton's own processes (the CLI and `npm run bench`). The reuseport hook is
 * a chain of small functions — group (R10/R12) → program adapter → runtime → context fill →
 * compiled program — and V8's default budget for inlining into one optimised function (920
 * bytes of bytecode in all) ends a few calls short of the whole chain, so each request paid a
 * real call and the checks around it. With a larger budget V8 inlines the chain: a JIT'd
 * policy's hook overhead went from 17–18 to 12–13 ns on the build machine, and the 1M-connection
 * simulation did not change. Flags are read when V8 optimises, so this runs before any hot
 * code does. Library users who embed the model choose their own V8 flags.
 */
import { setFlagsFromString } from "node:v8";

/** V8's default is 920. 1,500 and 2,000 still left a real call in the hook bench; 3,000 inlines the chain. */
export const INLINE_BUDGET = 3000;

export function tuneV8(): void {
  setFlagsFromString(`--max-inlined-bytecode-size-cumulative=${INLINE_BUDGET}`);
}
