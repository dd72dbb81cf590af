/** Public surface of ELF interop: read clang/libbpf objects, write libbpf-loadable objects. */
export { ElfError } from "./errors.js";
export {
  readElfObject,
  PROGRAM_SECTIONS,
  BPF_F_RDONLY_PROG,
  type ElfObject,
  type ElfProgramInfo,
  type GlobalData,
} from "./objects.js";
export { linkProgram, selectProgram, type LinkedProgram, type SlotOrigin } from "./link.js";
export { compileToElf, type ElfExportOptions } from "./writer.js";
export { writeElfFile } from "./write-file.js";
export { parseBtf, btfMapDefs, type Btf, type BtfMapDef } from "./btf.js";
export { seedGlobalData } from "./global-data.js";
