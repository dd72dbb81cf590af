/** "1 event", "2 events": a count with its noun in the right number (every message that counts uses it). */
export function plural(n: number | bigint, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 || n === 1n ? one : many}`;
}
