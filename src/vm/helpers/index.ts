/** Helpers: the environment they run in and the table factory. */
export { HelperEnv, VirtualClock, type HelperEnvOptions } from "./env.js";
export { createHelperTable, HELPER_IMPLS } from "./table.js";
export { formatTrace } from "./trace.js";
export { BPF_HDR_START_MAC, BPF_HDR_START_NET } from "./skb.js";
export { SubprogramRunner } from "./callback-runner.js";
