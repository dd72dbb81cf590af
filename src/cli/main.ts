/**
 * `baton` entry point: dispatches to a command, prints errors as `file:line:col: error: …`
 * with the source line and a caret, and maps them to exit codes (1 input/program, 2 usage).
 */
import { readFileSync } from "node:fs";
import { BatonError, formatError, isSourceSpan, UsageError } from "../errors.js";
import type { CliIO, Command } from "./command.js";
import { COMMANDS } from "./commands/index.js";

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const rows = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "usage: baton <command> [options]",
    "",
    "commands:",
    ...rows,
    "",
    "baton help <command> (or baton <command> --help) shows a command's options.",
  ].join("\n");
}

function sourceOf(err: BatonError): string | undefined {
  const loc = err.location;
  if (!isSourceSpan(loc)) return undefined;
  try {
    return readFileSync(loc.file, "utf8");
  } catch {
    return undefined;
  }
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") {
    io.out(help());
    return name === undefined ? 2 : 0;
  }
  if (name === "help") {
    const c = COMMANDS.find((x) => x.name === rest[0]);
    if (c === undefined && rest[0] !== undefined) {
      io.err(`error: unknown command '${rest[0]}'\n\n${help()}`);
      return 2;
    }
    io.out(c !== undefined ? c.usage : help());
    return 0;
  }
  const cmd: Command | undefined = COMMANDS.find((c) => c.name === name);
  if (cmd === undefined) {
    io.err(`error: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  // `baton COMMAND --help` is `baton help COMMAND` (no command takes -h or --help itself).
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(cmd.usage);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`${formatError(e)}\n\nusage:\n${cmd.usage}`);
      return 2;
    }
    if (e instanceof BatonError) {
      io.err(formatError(e, sourceOf(e)));
      return 1;
    }
    throw e;
  }
}

export const processIO: CliIO = {
  out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
};

/**
 * A reader that goes away (`baton verify DIR --json | head`) makes the next write fail with
 * EPIPE, reported as an 'error' event on the stream: stop there, quietly, like a tool killed by
 * SIGPIPE, with the exit code decided so far. Installed once for every command.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
}

/** A bug, not bad input: still one line, no stack unless BATON_DEBUG asks for it; exit 70. */
export function internalErrorText(e: unknown): string {
  const err = e instanceof Error ? e : new Error(String(e));
  return `internal error: ${err.message}\n${process.env.BATON_DEBUG ? err.stack : "(set BATON_DEBUG=1 for the stack)"}\n`;
}

/**
 * Errors outside main()'s promise (a stream's 'error' event other than EPIPE, a stray
 * rejection) would otherwise reach Node's default handler, which prints a stack trace.
 */
export function exitOnUncaught(): void {
  const fail = (e: unknown): void => {
    process.stderr.write(internalErrorText(e));
    process.exit(70);
  };
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
}

export async function runCli(argv: string[]): Promise<void> {
  exitQuietlyOnClosedPipe();
  exitOnUncaught();
  try {
    process.exitCode = await main(argv, processIO);
  } catch (e) {
    process.stderr.write(internalErrorText(e));
    process.exitCode = 70;
  }
}
