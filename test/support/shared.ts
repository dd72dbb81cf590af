// Where the read-only shared material lives: `../shared` beside the repository (as CI lays it
// out), so tests never depend on this machine's absolute paths.
import { fileURLToPath } from "node:url";
import { resolve } from "node:path";

export const SHARED = resolve(fileURLToPath(new URL("../../../shared", import.meta.url)));
export const CONFORMANCE_DIR = `${SHARED}/bpf_conformance`;
export const GOLDEN_BYTECODE = `${SHARED}/spec/bpf-conformance-golden-bytecode.tsv`;
