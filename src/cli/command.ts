/** The shape of a CLI command: each lives in `src/cli/commands/<name>.ts`. */
import { parseArgs, type ParseArgsConfig } from "node:util";

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;
import { UsageError } from "../errors.js";

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
}

export interface Command {
  readonly name: string;
  /** One line for `baton --help`. */
  readonly summary: string;
  /** Usage lines printed on a usage error and by `baton help NAME`. */
  readonly usage: string;
  /** Returns the exit code: 0 success, 1 program/input error. Throw `UsageError` for bad usage (exit 2). */
  run(argv: string[], io: CliIO): Promise<number>;
}

/** `util.parseArgs` with usage errors as `UsageError` values. */
export function parseCommandArgs<O extends OptionsConfig>(
  argv: string[],
  options: O,
  allowPositionals = true,
): {
  values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>["values"];
  positionals: string[];
} {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ""));
  }
}

/** Parse a whole decimal or 0x-hex number option, or throw a usage error naming the option. */
export function intOption(
  name: string,
  value: string | undefined,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (value === undefined) return fallback;
  const n = /^0x[0-9a-f]+$/i.test(value)
    ? Number.parseInt(value, 16)
    : /^-?\d+$/.test(value)
      ? Number(value)
      : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} expects an integer from ${min} to ${max}, got '${value}'`);
  return n;
}
