/**
 * The one up-front check of a scenario against the reuseport group's size limit, run by
 * `simulate` before any socket exists. Every scenario listener sets SO_REUSEPORT and binds the
 * scenario's port, so the listeners sharing a bind address form one group (R2), and a group
 * holds at most MAX_GROUP_SOCKS sockets (R3: socks[] doubles from 128 while it fits a u16).
 * The address key is the family, the address and IPV6_V6ONLY, as R2 compares them.
 * Counting listeners per address is an upper bound on the group's size: a scenario whose
 * listeners on one address never all listen at once could still fit, but is refused too, so
 * the limit reads simply "listeners per bind address". Without this check a scenario past the
 * limit built every socket before listen() failed with ENOMEM.
 */
import { ModelError } from "../errors.js";
import { MAX_GROUP_SOCKS } from "./group.js";
import { parseAddressOrNull, type ListenerSpec, type Scenario } from "./scenario.js";

export function checkGroupLimit(sc: Pick<Scenario, "listeners" | "port">): void {
  const perAddress = new Map<string, number>();
  // "010.0.0.1" is 10.0.0.1, "::0" is "::": compare the parsed bytes.
  const address = (l: Pick<ListenerSpec, "bind" | "v6only">): string => {
    const a = parseAddressOrNull(l.bind);
    return a === null ? l.bind : `${a.family}/${a.bytes.join(".")}/${l.v6only === true ? 1 : 0}`;
  };
  sc.listeners.forEach((l, i) => {
    const a = address(l);
    const n = (perAddress.get(a) ?? 0) + 1;
    perAddress.set(a, n);
    if (n > MAX_GROUP_SOCKS) {
      throw new ModelError(
        "scenario.group-too-large",
        `/listeners/${i}: expected at most ${MAX_GROUP_SOCKS} listeners bound to ${l.bind}:${sc.port} (one reuseport group), got ${sc.listeners.filter((x) => address(x) === a).length}`,
        undefined,
        `a reuseport group holds at most ${MAX_GROUP_SOCKS} sockets (socks[] doubles from 128 while it fits a u16); bind the others to another address or simulate fewer listeners`,
      );
    }
  });
}
