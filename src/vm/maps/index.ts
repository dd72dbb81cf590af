/** Maps: creation, the control-plane API, the fd table and lddw relocation. */
export * from "./types.js";
export * from "./errno.js";
export { checkMapSpec, MAP_TYPE_NAMES } from "./create.js";
export * from "./control.js";
export { HashMap } from "./hash.js";
export { MapTable } from "./table.js";
export { relocate } from "./relocate.js";
