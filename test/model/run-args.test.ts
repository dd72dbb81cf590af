/**
 * The group's allocation-free program path (`ReuseportProgram.runArgs`, used by reuseportSelect
 * and reuseportMigrate) must decide exactly as `run` does: the same hook outcomes for every
 * policy in policies/, on both engines, over a fixed run of new connections and migrations.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadHookPolicy } from "../../src/cli/hook-bench.js";
import { REFUSED } from "../../src/model/group.js";
import { ModelMaps } from "../../src/model/model-maps.js";
import { Netns } from "../../src/model/netns.js";
import type { ReuseportProgram } from "../../src/model/program.js";
import { runtimeProgram } from "../../src/model/runtime-adapter.js";
import type { Listener } from "../../src/model/sockets.js";
import { TcpStack } from "../../src/model/stack.js";
import { engineByName } from "../../src/vm/engines.js";
import {
  BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
  BPF_MAP_TYPE_SOCKHASH,
  BPF_MAP_TYPE_SOCKMAP,
} from "../../src/vm/program-type.js";
import { StaticSocket, TCP_ESTABLISHED, TCP_NEW_SYN_RECV } from "../../src/vm/socket.js";

const dir = fileURLToPath(new URL("../../policies/", import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".baton"))
  .sort();

/** Outcomes of 64 alternating requests through a fresh 6-listener group; `plain` hides runArgs. */
async function outcomes(file: string, engine: string, plain: boolean): Promise<string[]> {
  const p = await loadHookPolicy(`${dir}${file}`);
  const st = new TcpStack(new Netns({ tcp_migrate_req: 0 }));
  const socks: Listener[] = [];
  for (let i = 0; i < 7; i++) {
    const sk = st.socket(`l${i}`);
    st.bind(sk, 0, 8080);
    st.listen(sk, 128);
    socks.push(sk);
  }
  const specs = p.maps.map((m) => ({ ...m, name: m.name ?? `fd${m.fd}` }));
  const isSock = (t: number): boolean =>
    t === BPF_MAP_TYPE_REUSEPORT_SOCKARRAY || t === BPF_MAP_TYPE_SOCKMAP || t === BPF_MAP_TYPE_SOCKHASH;
  const maps = new ModelMaps(
    specs.map((s) => ({
      name: s.name,
      type: isSock(s.type) ? "sockarray" : s.type === 2 ? "array" : "hash",
      maxEntries: s.maxEntries,
    })),
    st,
  );
  const real = runtimeProgram(
    { name: p.name, insns: p.insns, maps: specs, attachType: p.attachType ?? 40 },
    engineByName(engine),
    1,
    maps,
  );
  const prog: ReuseportProgram = plain ? { attachType: real.attachType, name: "plain", run: (i) => real.run(i) } : real;
  st.attachProgram(socks[0]!, prog);
  const sockMap = specs.find((s) => isSock(s.type));
  if (sockMap !== undefined)
    for (let k = 1; k < Math.min(7, sockMap.maxEntries); k++) maps.update(sockMap.name, k - 1, socks[k]!);
  st.shutdown(socks[6]!, "rd");
  const reqs = [new StaticSocket(1n, TCP_NEW_SYN_RECV), new StaticSocket(2n, TCP_ESTABLISHED)];
  const out: string[] = [];
  let h = 12345;
  for (let i = 0; i < 64; i++) {
    h = (Math.imul(h, 1664525) + 1013904223) >>> 0;
    st.now = i * 10;
    const r =
      i % 2 === 0
        ? st.reuseportSelect(socks[0]!, h, 60)
        : st.reuseportMigrate(socks[6]!, reqs[i % 4 === 1 ? 0 : 1]!, h, 0);
    out.push(r === null ? "none" : r === REFUSED ? "refused" : r.name);
  }
  return out;
}

describe("runArgs decides like run", () => {
  for (const f of files) {
    for (const engine of ["interp", "jit"]) {
      it(`${f} (${engine})`, async () => {
        let want: string[];
        try {
          want = await outcomes(f, engine, true);
        } catch (e) {
          console.log(`run-args: ${f} does not load now (${(e as Error).message.split("\n")[0]}); skipped`);
          return;
        }
        expect(await outcomes(f, engine, false)).toEqual(want);
      });
    }
  }
});
