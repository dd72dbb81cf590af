/** Classic BPF (SO_ATTACH_REUSEPORT_CBPF): formats, assembler, checker, conversion, runs. */
export { assembleClassic } from "./assembler.js";
export { disassembleClassic } from "./disassembler.js";
export { checkClassic, ALLOWED_CODES } from "./check.js";
export { ClassicCheckError, type CheckRule } from "./errors.js";
export { convertClassic, type Converted } from "./convert.js";
export {
  decodeFilter,
  encodeFilter,
  formatCArray,
  formatDecimal,
  parseCArray,
  parseDecimal,
  detectTextForm,
  insn,
  type SockFilter,
  type FilterTextForm,
} from "./filter.js";
export { interpretClassic } from "./interp.js";
export { resolvePacket, type ClassicPacket, type ResolvedPacket } from "./packet.js";
export { ClassicProgram, type ClassicProgramOptions } from "./program.js";
export { selectClassic, type ReuseportPick } from "./reuseport.js";
export {
  tcpSynReuseportPacket,
  udpReuseportPacket,
  type Endpoints,
  type SkbFields,
  type UdpDatagram,
} from "./reuseport-packets.js";
export { loadClassic } from "./load.js";
