/** Helpers: the environment they run in and the table factory. */
export { HelperEnv, VirtualClock } from "./env.js";
export { createHelperTable, HELPER_IMPLS } from "./table.js";
