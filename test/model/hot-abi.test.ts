// group.ts compares against kernel ABI numbers written in place (HotAbi); they must be the
// values the rest of Baton names.
import { describe, expect, it } from "vitest";
import { HotAbi } from "../../src/model/group.js";
import { BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, SK_PASS } from "../../src/vm/program-type.js";
import { TCP_ESTABLISHED } from "../../src/vm/socket.js";

describe("HotAbi", () => {
  it("equals program-type.ts and socket.ts", () => {
    expect([HotAbi.TCP_ESTABLISHED, HotAbi.SK_PASS, HotAbi.SELECT_OR_MIGRATE]).toEqual([
      TCP_ESTABLISHED,
      SK_PASS,
      BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
    ]);
  });
});
