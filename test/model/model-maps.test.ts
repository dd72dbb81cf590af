// Control-plane maps of the simulation: R22's update checks and the automatic clearing at
// R4 (a) / R6, plus the built-in policies that read them.
import { describe, expect, it } from "vitest";
import { builtinProgram } from "../../src/model/builtins.js";
import { ModelMaps } from "../../src/model/model-maps.js";
import { flow, hashFor, setup } from "./helpers.js";

const decls = [
  { name: "listeners", type: "sockarray" as const, maxEntries: 4 },
  { name: "other", type: "sockarray" as const, maxEntries: 4 },
  { name: "generation", type: "array" as const, maxEntries: 4 },
];

describe("ModelMaps", () => {
  it.each<[string, (m: ModelMaps, ls: ReturnType<typeof setup>["ls"]) => void, string]>([
    [
      "index beyond max_entries",
      (m, ls) => m.update("listeners", 4, ls[0]!),
      "map listeners: key 4 is beyond max_entries 4 (E2BIG)",
    ],
    [
      "a number into a sockarray",
      (m) => m.update("listeners", 0, 7),
      "map listeners: a socket map value must be a listener (EINVAL)",
    ],
    [
      "a listener into an array",
      (m, ls) => m.update("generation", 0, ls[0]!),
      "map generation: expected a number value (EINVAL)",
    ],
    [
      "a socket already in another sockarray",
      (m, ls) => {
        m.update("listeners", 0, ls[0]!);
        m.update("other", 1, ls[0]!);
      },
      "map other: socket A is already in map listeners (EBUSY)",
    ],
    ["an unknown map", (m) => m.update("nope", 0, 1), 'no map named "nope"'],
  ])("R22 refuses %s", (_, f, msg) => {
    const { st, ls } = setup(["A", "B"]);
    const m = new ModelMaps(decls, st);
    expect(() => f(m, ls)).toThrow(msg);
  });

  it("R22 refuses a socket that is not listening", () => {
    const { st, ls } = setup(["A", "B"], { tcp_migrate_req: 1 });
    const m = new ModelMaps(decls, st);
    st.shutdown(ls[0]!, "rdwr");
    expect(() => m.update("listeners", 0, ls[0]!)).toThrow(
      "map listeners: socket A is not a listening reuseport socket (EINVAL)",
    );
  });

  it("R4 (a) and R6 clear sockarray entries automatically; arrays keep theirs", () => {
    const { st, ls } = setup(["A", "B", "C"], { tcp_migrate_req: 1 });
    const m = new ModelMaps(decls, st);
    m.update("listeners", 0, ls[0]!);
    m.update("listeners", 1, ls[1]!);
    m.update("listeners", 2, ls[2]!);
    m.update("generation", 0, 3);
    st.shutdown(ls[0]!, "rdwr"); // capable stop-listen (R4 a)
    st.ns.sysctl.tcp_migrate_req = 0;
    st.close(ls[1]!); // not capable: full detach (R6)
    expect([...m.get("listeners")!.entries.keys()]).toEqual([2]);
    expect(m.get("generation")!.entries.get(0)).toBe(3);
  });

  it("builtin:newest-generation picks among the highest generation by scale(hash, n)", () => {
    const { st, ls } = setup(["A", "B", "C", "D"]);
    const m = new ModelMaps(
      [
        { name: "listeners", type: "sockarray", maxEntries: 8 },
        { name: "generation", type: "array", maxEntries: 8 },
      ],
      st,
    );
    ls.forEach((l, i) => {
      m.update("listeners", i, l);
      m.update("generation", i, i < 2 ? 1 : 2);
    });
    const p = builtinProgram("newest-generation", m);
    const run = (h: number) =>
      p.run({
        sk: ls[0]!,
        migratingSk: flow(h) as never,
        hash: h,
        len: 0,
        bindInany: true,
        groupId: ls[0]!.group.id,
        nowNs: 0,
      });
    expect([run(hashFor(0, 2)).selected, run(hashFor(1, 2)).selected]).toEqual([ls[2], ls[3]]);
    expect(() => builtinProgram("nope", m)).toThrow(
      'unknown built-in policy "nope"; expected one of pass, drop-migration, select-only, newest-generation',
    );
  });
});
