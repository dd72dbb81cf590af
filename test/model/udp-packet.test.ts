import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatAddress,
  hookPacket,
  LINEAR_PAYLOAD_MAX_V4,
  LINEAR_PAYLOAD_MAX_V6,
  parseAddress,
  parseHex,
  quicLongHeader,
  quicShortHeader,
  toHex,
} from "../../src/model/udp-packet.js";
import { InputError } from "../../src/errors.js";

describe("addresses", () => {
  it("parse and format round-trip for any IPv6 address", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        const a = { family: 10 as const, bytes: b };
        expect(parseAddress(formatAddress(a), "x").bytes).toEqual(b);
      }),
    );
  });
  it("knows the short forms", () => {
    expect(toHex(parseAddress("::ffff:127.0.0.1", "x").bytes)).toBe("00000000000000000000ffff7f000001");
    expect(formatAddress(parseAddress("2001:db8::1", "x"))).toBe("2001:db8::1");
    expect(() => parseAddress("1.2.3", "/udp/x")).toThrow(InputError);
    expect(() => parseAddress("1::2::3", "x")).toThrow(/not an IPv4 or IPv6/);
  });
});

describe("hex", () => {
  it("a truncated byte or a stray character is a located error", () => {
    expect(() => parseHex("abc", "/events/0/payload")).toThrow(/odd number of digits/);
    expect(() => parseHex("zz", "/events/3/payload")).toThrow(/^\/events\/3\/payload: 'z' is not a hex digit/);
    expect(toHex(parseHex("0x c0 ff:ee", "x"))).toBe("c0ffee");
  });
});

describe("hook packets", () => {
  it("data is the UDP header, len the UDP length, the payload linear up to the measured limit", () => {
    for (const [src, max] of [
      ["127.0.0.1", LINEAR_PAYLOAD_MAX_V4],
      ["::1", LINEAR_PAYLOAD_MAX_V6],
    ] as const) {
      const a = parseAddress(src, "x");
      const addrs = { src: a, dst: a, srcPort: 5000, dstPort: 4433 };
      const p = hookPacket(addrs, new Uint8Array(10));
      expect(p.len).toBe(18);
      expect(p.linearLen).toBe(18);
      expect(Array.from(p.bytes.subarray(p.l4Offset, p.l4Offset + 6))).toEqual([0x13, 0x88, 0x11, 0x51, 0, 18]);
      expect(hookPacket(addrs, new Uint8Array(max)).linearLen).toBe(max + 8);
      expect(hookPacket(addrs, new Uint8Array(max + 1)).linearLen).toBe(8);
    }
  });
  it("QUIC headers put the DCID where RFC 9000 says", () => {
    const dcid = parseHex("0102030405060708", "x");
    const l = quicLongHeader({ dcid, type: 0 }, "x");
    expect(l[0]! & 0xf0).toBe(0xc0);
    expect(l[5]).toBe(8);
    expect(toHex(l.subarray(6, 14))).toBe("0102030405060708");
    const s = quicShortHeader(dcid);
    expect(s[0]! & 0x80).toBe(0);
    expect(toHex(s.subarray(1, 9))).toBe("0102030405060708");
    expect(() => quicLongHeader({ dcid: new Uint8Array(21) }, "/q")).toThrow(/at most 20/);
  });
});
