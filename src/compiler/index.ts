/** Public surface of the policy compiler. */
export { compilePolicy, tryCompile, type CompiledPolicy, type CompileOutcome } from "./compile.js";
export { parsePolicy } from "./parser.js";
export { checkProgram } from "./checker.js";
