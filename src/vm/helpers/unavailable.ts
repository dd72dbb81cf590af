/**
 * Helpers the kernel offers sk_reuseport programs but Baton's VM does not run: they read the
 * current task (meaningless for a socket-model run), need BTF objects, perf events, ring
 * buffers, timers, dynptrs, or map types Baton lacks. The verifier still checks calls to them
 * like the kernel; running one is a trap that names it.
 */
import { VmTrap } from "../../errors.js";
import { readsArgsOnly, type HelperFn } from "../helper-abi.js";

export function unavailableHelper(id: number, name: string, why?: string): HelperFn {
  const message = `helper bpf_${name}#${id} is not available in Baton's VM${why !== undefined ? ` (${why})` : ""}`;
  return readsArgsOnly(() => {
    throw new VmTrap("vm.helper-unavailable", message);
  });
}
