/**
 * The page state in the URL fragment: `#src=<base64url of the UTF-8 source>&scenario=<name>&seed=<n>`,
 * so a link reproduces it. base64url is RFC 4648 §5 without padding.
 */
export interface PageState {
  readonly src: string;
  readonly scenario: string | null;
  readonly seed: number | null;
}

export function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The text, or null when `s` is not base64url of valid UTF-8. */
export function fromBase64Url(s: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  try {
    const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

export function encodeState(s: PageState): string {
  const parts = [`src=${toBase64Url(s.src)}`];
  if (s.scenario !== null) parts.push(`scenario=${encodeURIComponent(s.scenario)}`);
  if (s.seed !== null) parts.push(`seed=${s.seed}`);
  return `#${parts.join("&")}`;
}

/**
 * The state a fragment holds: fields it lacks or spells wrongly are null, and `badSrc` says
 * that `src=` was there but is not base64url of UTF-8 text.
 */
export function decodeState(hash: string): {
  src: string | null;
  scenario: string | null;
  seed: number | null;
  badSrc: boolean;
} {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const raw = params.get("src");
  const seedText = params.get("seed");
  const seed =
    seedText !== null && /^\d{1,10}$/.test(seedText) && Number(seedText) <= 0xffffffff ? Number(seedText) : null;
  const src = raw === null ? null : fromBase64Url(raw);
  return { src, scenario: params.get("scenario"), seed, badSrc: raw !== null && src === null };
}
