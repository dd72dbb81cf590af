/**
 * BTF (`.BTF` section) reading, enough for libbpf's BTF-defined map convention: the `.maps`
 * DATASEC lists one VAR per map whose type is a struct of pointer members
 * (`__uint(type, N)` is `int (*type)[N]`: the element count of the pointed-to array carries
 * the number; `__type(key, T)` is `T *key`: the size of T is the key size).
 *
 * Layout (include/uapi/linux/btf.h): a 24-byte header (magic 0xeB9F, version 1, hdr_len,
 * type_off/len, str_off/len relative to the header's end), then `struct btf_type` records with
 * kind-specific trailers. Deliberately absent: anything the map convention does not need
 * (func_info, CO-RE relocations in .BTF.ext, type dedup), and map-in-map (`__array(values…)`).
 */
import { ElfError } from "./errors.js";

export const BTF_MAGIC = 0xeb9f;
export const BTF_KIND = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

export interface BtfMember {
  readonly name: string;
  readonly type: number;
  /** Bit offset (or, for DATASEC entries, byte offset) as stored. */
  readonly offset: number;
  /** DATASEC entries only: the variable's size. */
  readonly size?: number;
}

export interface BtfType {
  readonly id: number;
  readonly kind: number;
  readonly name: string;
  /** `size` for sized kinds, `type` for reference kinds. */
  readonly sizeOrType: number;
  readonly members: readonly BtfMember[];
  /** ARRAY: element type and count. */
  readonly array?: { readonly type: number; readonly nelems: number };
  /** Byte offset of this record within the type section (for error messages). */
  readonly at: number;
}

export interface Btf {
  /** Index = type id; [0] is void. */
  readonly types: readonly (BtfType | undefined)[];
  /** The string at `off` of the string section (`.BTF.ext` names point here), or undefined. */
  string(off: number): string | undefined;
}

const SECTION = ".BTF";

/** Parse `.BTF` contents; `file` names the object in errors. */
export function parseBtf(data: Uint8Array, file?: string): Btf {
  const fail = (code: string, msg: string, off: number): never => {
    throw new ElfError(code, msg, SECTION, off, file);
  };
  if (data.length < 24) fail("btf-truncated", `header needs 24 bytes, section has ${data.length}`, 0);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (dv.getUint16(0, true) !== BTF_MAGIC)
    fail("btf-magic", `expected magic 0xeb9f, got 0x${dv.getUint16(0, true).toString(16)}`, 0);
  const hdrLen = dv.getUint32(4, true);
  const typeOff = dv.getUint32(8, true);
  const typeLen = dv.getUint32(12, true);
  const strOff = dv.getUint32(16, true);
  const strLen = dv.getUint32(20, true);
  if (hdrLen < 24 || hdrLen + typeOff + typeLen > data.length || hdrLen + strOff + strLen > data.length) {
    fail(
      "btf-truncated",
      `type section [${typeOff}, +${typeLen}) or string section [${strOff}, +${strLen}) after a ${hdrLen}-byte header runs past the section end (${data.length} bytes)`,
      4,
    );
  }
  const strBase = hdrLen + strOff;
  const str = (off: number, at: number): string => {
    if (off >= strLen && !(off === 0 && strLen === 0))
      fail("btf-bad-string", `name offset ${off} is outside the string section (${strLen} bytes)`, at);
    let s = "";
    for (let i = strBase + off; i < strBase + strLen && data[i] !== 0; i++) s += String.fromCharCode(data[i]!);
    return s;
  };
  const types: (BtfType | undefined)[] = [undefined];
  let p = hdrLen + typeOff;
  const end = p + typeLen;
  const need = (n: number, at: number): void => {
    if (p + n > end)
      fail(
        "btf-truncated",
        `type record ${types.length} needs ${n} more bytes, the type section ends at ${end - hdrLen - typeOff}`,
        at,
      );
  };
  while (p < end) {
    const at = p;
    need(12, at);
    const name = str(dv.getUint32(p, true), at);
    const info = dv.getUint32(p + 4, true);
    const sizeOrType = dv.getUint32(p + 8, true);
    p += 12;
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const members: BtfMember[] = [];
    let array: { type: number; nelems: number } | undefined;
    switch (kind) {
      case BTF_KIND.INT:
      case BTF_KIND.VAR:
      case BTF_KIND.DECL_TAG:
        need(4, at);
        p += 4;
        break;
      case BTF_KIND.ARRAY:
        need(12, at);
        array = { type: dv.getUint32(p, true), nelems: dv.getUint32(p + 8, true) };
        p += 12;
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
        need(12 * vlen, at);
        for (let i = 0; i < vlen; i++, p += 12)
          members.push({
            name: str(dv.getUint32(p, true), p),
            type: dv.getUint32(p + 4, true),
            offset: dv.getUint32(p + 8, true),
          });
        break;
      case BTF_KIND.DATASEC:
        need(12 * vlen, at);
        for (let i = 0; i < vlen; i++, p += 12)
          members.push({
            name: "",
            type: dv.getUint32(p, true),
            offset: dv.getUint32(p + 4, true),
            size: dv.getUint32(p + 8, true),
          });
        break;
      case BTF_KIND.ENUM:
      case BTF_KIND.FUNC_PROTO:
        need(8 * vlen, at);
        p += 8 * vlen;
        break;
      case BTF_KIND.ENUM64:
        need(12 * vlen, at);
        p += 12 * vlen;
        break;
      case BTF_KIND.PTR:
      case BTF_KIND.FWD:
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.FUNC:
      case BTF_KIND.FLOAT:
      case BTF_KIND.TYPE_TAG:
        break;
      default:
        fail("btf-kind", `type ${types.length} has unknown kind ${kind}`, at - hdrLen - typeOff);
    }
    types.push({
      id: types.length,
      kind,
      name,
      sizeOrType,
      members,
      ...(array !== undefined ? { array } : {}),
      at: at - hdrLen - typeOff,
    });
  }
  const string = (off: number): string | undefined => {
    if (off >= strLen) return undefined;
    let s = "";
    for (let i = strBase + off; i < strBase + strLen && data[i] !== 0; i++) s += String.fromCharCode(data[i]!);
    return s;
  };
  return { types, string };
}

function typeAt(btf: Btf, id: number, file: string | undefined, from: number): BtfType {
  const t = btf.types[id];
  if (t === undefined)
    throw new ElfError(
      "btf-bad-type",
      `type id ${id} does not exist (${btf.types.length - 1} types)`,
      SECTION,
      from,
      file,
    );
  return t;
}

/** Follow typedef/const/volatile/restrict/type-tag chains. */
export function skipModifiers(btf: Btf, id: number, file?: string): BtfType | undefined {
  for (let hops = 0; hops < 64; hops++) {
    if (id === 0) return undefined;
    const t = typeAt(btf, id, file, 0);
    if (
      t.kind === BTF_KIND.TYPEDEF ||
      t.kind === BTF_KIND.CONST ||
      t.kind === BTF_KIND.VOLATILE ||
      t.kind === BTF_KIND.RESTRICT ||
      t.kind === BTF_KIND.TYPE_TAG
    )
      id = t.sizeOrType;
    else return t;
  }
  throw new ElfError("btf-loop", `type chain from ${id} does not end`, SECTION, 0, file);
}

/** Byte size of a type (btf__resolve_size semantics). */
export function typeSize(btf: Btf, id: number, file?: string, depth = 0): number {
  if (depth > 32) throw new ElfError("btf-loop", `type ${id} nests too deeply to size`, SECTION, 0, file);
  const t = skipModifiers(btf, id, file);
  if (t === undefined) return 0;
  switch (t.kind) {
    case BTF_KIND.INT:
    case BTF_KIND.STRUCT:
    case BTF_KIND.UNION:
    case BTF_KIND.ENUM:
    case BTF_KIND.ENUM64:
    case BTF_KIND.FLOAT:
    case BTF_KIND.DATASEC:
      return t.sizeOrType;
    case BTF_KIND.PTR:
      return 8;
    case BTF_KIND.ARRAY:
      return t.array!.nelems * typeSize(btf, t.array!.type, file, depth + 1);
    case BTF_KIND.VAR:
      return typeSize(btf, t.sizeOrType, file, depth + 1);
    default:
      throw new ElfError("btf-unsized", `type ${t.id} (kind ${t.kind}) has no size`, SECTION, t.at, file);
  }
}

/** A map declared in `.maps`, as BTF describes it. */
export interface BtfMapDef {
  readonly name: string;
  /** Byte offset of the map's struct in `.maps` (what relocations' symbols point at). */
  readonly offset: number;
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
}

/** Members libbpf understands but Baton has no use for (accepted, ignored). */
const IGNORED_MEMBERS = new Set(["pinning", "numa_node", "map_extra"]);

/** The maps of the `.maps` DATASEC. */
export function btfMapDefs(btf: Btf, file?: string): BtfMapDef[] {
  const sec = btf.types.find((t) => t !== undefined && t.kind === BTF_KIND.DATASEC && t.name === ".maps");
  if (sec === undefined)
    throw new ElfError(
      "btf-no-maps",
      "a '.maps' section exists but BTF has no '.maps' DATASEC describing it",
      SECTION,
      0,
      file,
    );
  const out: BtfMapDef[] = [];
  for (const v of sec.members) {
    const variable = typeAt(btf, v.type, file, sec.at);
    if (variable.kind !== BTF_KIND.VAR)
      throw new ElfError("btf-map", `'.maps' DATASEC entry ${v.type} is not a VAR`, SECTION, sec.at, file);
    const name = variable.name;
    const st = skipModifiers(btf, variable.sizeOrType, file);
    if (st === undefined || st.kind !== BTF_KIND.STRUCT)
      throw new ElfError(
        "btf-map",
        `map '${name}' is not a struct of __uint/__type members`,
        SECTION,
        variable.at,
        file,
      );
    const def = { type: -1, keySize: -1, valueSize: -1, maxEntries: -1, flags: 0 };
    for (const m of st.members) {
      const ptr = skipModifiers(btf, m.type, file);
      if (ptr === undefined || ptr.kind !== BTF_KIND.PTR)
        throw new ElfError(
          "btf-map",
          `map '${name}': member '${m.name}' is not a pointer (expected __uint or __type)`,
          SECTION,
          st.at,
          file,
        );
      const target = skipModifiers(btf, ptr.sizeOrType, file);
      // __uint(field, N) is `int (*field)[N]`: the count is the number.
      const num = (): number => {
        if (target === undefined || target.kind !== BTF_KIND.ARRAY)
          throw new ElfError(
            "btf-map",
            `map '${name}': member '${m.name}' must be __uint(${m.name}, N), a pointer to an array`,
            SECTION,
            st.at,
            file,
          );
        return target.array!.nelems;
      };
      switch (m.name) {
        case "type":
          def.type = num();
          break;
        case "max_entries":
          def.maxEntries = num();
          break;
        case "map_flags":
          def.flags = num();
          break;
        case "key_size":
          def.keySize = num();
          break;
        case "value_size":
          def.valueSize = num();
          break;
        case "key":
          def.keySize = typeSize(btf, ptr.sizeOrType, file);
          break;
        case "value":
          def.valueSize = typeSize(btf, ptr.sizeOrType, file);
          break;
        case "values":
          throw new ElfError(
            "btf-map-in-map",
            `map '${name}': map-in-map (__array(values, …)) is not supported`,
            SECTION,
            st.at,
            file,
          );
        default:
          if (!IGNORED_MEMBERS.has(m.name))
            throw new ElfError(
              "btf-map",
              `map '${name}': unknown member '${m.name}'; expected type, key, value, key_size, value_size, max_entries, map_flags`,
              SECTION,
              st.at,
              file,
            );
      }
    }
    for (const [field, val] of [
      ["type", def.type],
      ["key size", def.keySize],
      ["value size", def.valueSize],
      ["max_entries", def.maxEntries],
    ] as const) {
      if (val < 0) throw new ElfError("btf-map", `map '${name}' does not declare its ${field}`, SECTION, st.at, file);
    }
    out.push({ name, offset: v.offset, ...def });
  }
  return out;
}
