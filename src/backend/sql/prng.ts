/**
 * A small seeded PRNG (sfc32) so demo and scale data are the same on every run: same ids, names, timestamps and
 * file bytes, which keeps README examples, screenshots and tests stable. Not for secrets.
 */
import { base62 } from '../ids.js';

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    // Mix the seed string into the four state words (FNV-1a per word with different offsets).
    const words = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b].map((offset) => {
      let h = offset >>> 0;
      for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193) >>> 0;
      return h;
    });
    [this.a, this.b, this.c, this.d] = words as [number, number, number, number];
    for (let i = 0; i < 15; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  /** A well-formed id (`con_…`) from this generator: deterministic, same shape as `newId`. */
  id(prefix: 'con' | 'job' | 'fil' | 'key'): string {
    return `${prefix}_${base62(22, (n) => this.bytes(n))}`;
  }
}
