/**
 * A classic program from a file's contents: raw records (`.bin`, or any bytes that are not
 * text), else the text form detected from its look (C array, count-first decimal, bpf_asm).
 */
import { assembleClassic } from "./assembler.js";
import { decodeFilter, detectTextForm, parseCArray, parseDecimal, type SockFilter } from "./filter.js";

export function loadClassic(bytes: Uint8Array, file: string): SockFilter[] {
  if (file.endsWith(".bin")) return decodeFilter(bytes, file);
  const text = new TextDecoder().decode(bytes);
  switch (detectTextForm(text)) {
    case "c-array":
      return parseCArray(text, file);
    case "decimal":
      return parseDecimal(text, file);
    default:
      return assembleClassic(text, file);
  }
}
