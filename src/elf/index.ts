/** Public surface of ELF interop: read clang/libbpf objects, write libbpf-loadable objects. */
export { ElfError } from "./errors.js";
export { readElfObject, type GlobalData } from "./objects.js";
export { linkProgram, type SlotOrigin } from "./link.js";
export { compileToElf } from "./writer.js";
export { writeElfFile } from "./write-file.js";
export { seedGlobalData } from "./global-data.js";
