/** Maps: creation, the control-plane API, the fd table and lddw relocation. */
export * from "./types.js";
export * from "./errno.js";
export { checkMapSpec, instantiateMap, MAP_TYPE_NAMES, type SpecProblem } from "./create.js";
export * from "./control.js";
export { ArrayMap } from "./array.js";
export { HashMap } from "./hash.js";
export { ReuseportSockArray, SockMap, SockHash } from "./sockmaps.js";
export { MapTable } from "./table.js";
export { relocate } from "./relocate.js";
