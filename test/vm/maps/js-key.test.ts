/**
 * `jsKey` turns a map key's bytes into a JavaScript Map key. It must be one-to-one for each key
 * size (two different keys sharing a Map key would alias entries), across its number and
 * string forms.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsKey } from "../../../src/vm/maps/types.js";
import { runs } from "../../support/runs.js";

const keyOf = (b: Uint8Array): string | number => jsKey(b, 0, b.length);

describe("jsKey", () => {
  it("is one-to-one for every key size from 1 to 20 bytes", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 20 })
          .chain((n) =>
            fc.tuple(fc.uint8Array({ minLength: n, maxLength: n }), fc.uint8Array({ minLength: n, maxLength: n })),
          ),
        ([a, b]) => {
          const same = a.every((x, i) => x === b[i]);
          expect(keyOf(a) === keyOf(b)).toBe(same);
        },
      ),
      { numRuns: runs(3000) },
    );
  });

  it("keys differing in one byte differ, for every byte position and size", () => {
    for (let n = 1; n <= 20; n++) {
      for (let i = 0; i < n; i++) {
        const a = new Uint8Array(n).fill(0xa5);
        const b = a.slice();
        b[i] = 0x5a;
        expect(keyOf(a)).not.toBe(keyOf(b));
      }
    }
  });

  it("u64 keys below 2^53 are their exact value; from 2^53 up they are strings", () => {
    const u64 = (v: bigint): Uint8Array => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, v, true);
      return b;
    };
    expect(keyOf(u64(501n))).toBe(501);
    expect(keyOf(u64(2n ** 53n - 1n))).toBe(2 ** 53 - 1);
    expect(typeof keyOf(u64(2n ** 53n))).toBe("string");
    expect(typeof keyOf(u64(2n ** 64n - 1n))).toBe("string");
    expect(keyOf(u64(2n ** 53n))).not.toBe(keyOf(u64(2n ** 53n + 1n)));
  });

  it("honours the offset", () => {
    const buf = new Uint8Array([9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (const n of [4, 7, 8, 11]) expect(jsKey(buf, 2, n)).toBe(keyOf(buf.slice(2, 2 + n)));
  });
});
