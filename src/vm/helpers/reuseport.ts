/**
 * bpf_sk_select_reuseport (82, R21) and bpf_get_socket_cookie (46) for sk_reuseport programs.
 *
 * sk_select_reuseport(ctx, map, key, flags), filter.c:sk_select_reuseport:
 *   1. no entry under key                         → -ENOENT
 *   2. entry not in a reuseport group             → -ENOENT (sockarray: it was unhashed)
 *                                                   -EINVAL (sockmap / sockhash)
 *   3. entry in another group than ctx `sk`       → -EPROTOTYPE (protocol differs), else
 *                                                   -EAFNOSUPPORT (family differs), else -EBADFD
 *   4. record the selection, return 0. The last successful call wins; a failed call keeps an
 *      earlier selection; flags are ignored.
 * get_socket_cookie(sk): the cookie of the socket whose `bpf_sock` view the pointer names.
 */
import { VmTrap } from "../../errors.js";
import type { HelperFn } from "../helper-abi.js";
import { setR0Int } from "../helper-abi.js";
import { formatAddress } from "../memory.js";
import { BPF_MAP_TYPE_REUSEPORT_SOCKARRAY } from "../program-type.js";
import { EAFNOSUPPORT, EBADFD, EINVAL, ENOENT, EPROTOTYPE } from "../maps/errno.js";
import { ctxArg, hi, lo, socketMapArg } from "./args.js";
import type { HelperEnv } from "./env.js";

export function skSelectReuseport(env: HelperEnv): HelperFn {
  return (regs, mem) => {
    const c = ctxArg(env, regs, 1, "sk_select_reuseport");
    const map = socketMapArg(env, regs, 2, "sk_select_reuseport");
    const kOff = lo(regs, 3);
    const key = mem.resolve(hi(regs, 3), kOff, map.keySize, false, -1);
    const sel = map.lookupSocket(key.bytes, kOff);
    if (sel === null) return setR0Int(regs, -ENOENT);
    const group = sel.reuseportGroupId;
    if (group === null) return setR0Int(regs, map.type === BPF_MAP_TYPE_REUSEPORT_SOCKARRAY ? -ENOENT : -EINVAL);
    const sk = c.sk!;
    if (group !== sk.reuseportGroupId) {
      if (sk.protocol !== sel.protocol) return setR0Int(regs, -EPROTOTYPE);
      if (sk.family !== sel.family) return setR0Int(regs, -EAFNOSUPPORT);
      return setR0Int(regs, -EBADFD);
    }
    env.selected = sel;
    setR0Int(regs, 0);
  };
}

export function getSocketCookie(env: HelperEnv): HelperFn {
  return (regs) => {
    const c = env.ctx;
    const h = hi(regs, 1);
    const v = c !== null && lo(regs, 1) === 0 ? c.viewAt(h) : null;
    if (v !== null) {
      v.cookieHalves();
      regs[0] = v.cookieLo;
      regs[1] = v.cookieHi;
      return;
    }
    const where =
      c === null
        ? "no sockets in this run"
        : `ctx sk at ${formatAddress(c.skView.id, 0)}${c.migratingSk !== null ? ` or migrating_sk at ${formatAddress(c.migratingView.id, 0)}` : ""}`;
    throw new VmTrap(
      "vm.helper-arg",
      `helper get_socket_cookie: r1 = ${formatAddress(h, lo(regs, 1))}; expected a socket pointer (${where})`,
    );
  };
}
