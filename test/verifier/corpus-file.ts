/** Reads a verifier corpus file: `# desc:`, `# expect:`, `# maps:`, `# attach:` headers and optional `# baton:` / `#
 * kernel:` lines. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseMapArg } from "../../src/verifier/map-arg.js";
import type { MapSpec } from "../../src/vm/map-spec.js";
import { SK_REUSEPORT } from "../../src/vm/program-type.js";

export interface CorpusCase {
  readonly file: string;
  readonly name: string;
  readonly source: string;
  readonly desc: string;
  /** The kernel's verdict, recorded on a real kernel. */
  readonly expect: "accept" | "reject" | "?";
  /** Baton's verdict where it deliberately differs (see KNOWN_DIFFERENCES.md). */
  readonly baton?: "accept" | "reject";
  /** Baton's expected first error message. */
  readonly error?: string;
  /** The kernel's error line, as recorded. */
  readonly kernel?: string;
  readonly maps: MapSpec[];
  readonly attachType: number;
}

export const CORPUS_DIR = new URL("./corpus/", import.meta.url).pathname;

export function header(source: string, key: string): string | undefined {
  const m = new RegExp(`^# ${key}: ?(.*)$`, "m").exec(source);
  return m === null ? undefined : m[1]!.trim();
}

export function readCase(file: string): CorpusCase {
  const source = readFileSync(file, "utf8");
  const maps = (header(source, "maps") ?? "")
    .split(/\s+/)
    .filter((s) => s !== "")
    .map(parseMapArg);
  const attach = header(source, "attach") ?? "select_or_migrate";
  const baton = header(source, "baton")?.split(/\s/)[0];
  return {
    file,
    name: file.split("/").pop()!.replace(/\.s$/, ""),
    source,
    desc: header(source, "desc") ?? "",
    expect: (header(source, "expect") ?? "?") as CorpusCase["expect"],
    ...(baton === "accept" || baton === "reject" ? { baton } : {}),
    ...(header(source, "error") !== undefined ? { error: header(source, "error")! } : {}),
    ...(header(source, "kernel") !== undefined ? { kernel: header(source, "kernel")! } : {}),
    maps,
    attachType: SK_REUSEPORT.attachTypes[attach] ?? Number(attach),
  };
}

export function corpus(): CorpusCase[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith(".s"))
    .sort()
    .map((f) => readCase(join(CORPUS_DIR, f)));
}
