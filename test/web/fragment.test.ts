/** The playground's URL-fragment state (web/src/page/fragment.ts): any source survives a link. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeState, encodeState, fromBase64Url, toBase64Url } from "../../web/src/page/fragment.js";

describe("the playground's URL fragment", () => {
  it("round-trips any source, scenario name and seed", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 300 }),
        fc.option(fc.string({ maxLength: 30 }), { nil: null }),
        fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: null }),
        (src, scenario, seed) => {
          const frag = encodeState({ src, scenario, seed });
          expect(decodeState(frag)).toEqual({ src, scenario, seed, badSrc: false });
        },
      ),
    );
  });

  it("writes the source as unpadded base64url of its UTF-8 bytes (RFC 4648 §5)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (src) => {
        const b = toBase64Url(src);
        expect(b).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(b).toBe(Buffer.from(src, "utf8").toString("base64url"));
      }),
    );
  });

  it("refuses what is not base64url of UTF-8, and seeds out of range", () => {
    expect(fromBase64Url("a+b/")).toBeNull();
    expect(fromBase64Url("abcde")).toBeNull(); // a length of 4k+1 encodes no whole byte
    expect(fromBase64Url("_w")).toBeNull(); // 0xff: not UTF-8
    expect(decodeState("#src=YQ&seed=4294967296").seed).toBeNull();
    expect(decodeState("#src=YQ&seed=-1").seed).toBeNull();
    expect(decodeState("#scenario=flood")).toEqual({ src: null, scenario: "flood", seed: null, badSrc: false });
    expect(decodeState("#src=_w&seed=3")).toEqual({ src: null, scenario: null, seed: 3, badSrc: true });
  });
});
