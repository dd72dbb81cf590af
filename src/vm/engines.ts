/**
 * Engines by name: the one place that knows which execution engines exist, so the CLI, the
 * conformance runner and benches look them up here. A JIT registers itself by adding an entry.
 */
import { UsageError } from "../errors.js";
import type { EngineFactory, EngineName } from "./engine.js";
import { createInterpreter } from "./interpreter.js";
import { createJit } from "./jit/jit.js";

const ENGINES = new Map<EngineName, EngineFactory>([
  ["interp", createInterpreter],
  ["jit", createJit],
]);

export const ENGINE_NAMES: readonly EngineName[] = ["interp", "jit"];

/** The factory for `name`, or a `UsageError` naming what is available. */
export function engineByName(name: string): EngineFactory {
  if (!(ENGINE_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown engine '${name}'; expected one of: ${ENGINE_NAMES.join(", ")}`);
  }
  const f = ENGINES.get(name as EngineName);
  if (f === undefined) throw new UsageError(`${name} engine not available yet`, "use --engine interp");
  return f;
}
