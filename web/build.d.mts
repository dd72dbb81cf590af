/** Types of web/build.mjs for the TypeScript tests that call it. */
import type { Metafile } from "esbuild";

export function buildWeb(options?: { quiet?: boolean }): Promise<Metafile>;
