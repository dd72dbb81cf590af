/**
 * Baton's testing API: run any sk_reuseport program (ELF object, assembly, bytes, Baton policy,
 * classic filter) against a group of sockets and check where each packet goes, without root.
 * Usable from vitest or jest; the README's "UDP, IPv6 and packet bytes" section has an example.
 */
export {
  ReuseportTestGroup,
  toBytes,
  type GroupOptions,
  type MapKey,
  type MapValue,
  type MigrateOptions,
  type QuicHeader,
  type SendOptions,
  type SocketOptions,
  type Verdict,
} from "./testing/group.js";
export { loadSource, type ProgramSource } from "./testing/load.js";
export {
  runCases,
  parseCases,
  CasesError,
  type CaseResult,
  type CaseFailure,
  type CasesFile,
} from "./testing/cases.js";
