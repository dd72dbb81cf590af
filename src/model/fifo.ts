/**
 * A FIFO with O(1) push/shift and index access, for accept queues (which may hold
 * thousands of entries during a flood); array `shift()` would be O(n) per accept.
 */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(x: T): void {
    this.items.push(x);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head];
    this.items[this.head++] = undefined;
    // Compact once the dead prefix dominates, so memory follows the live length.
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }

  at(i: number): T | undefined {
    return this.items[this.head + i];
  }

  toArray(): T[] {
    return this.items.slice(this.head) as T[];
  }
}
