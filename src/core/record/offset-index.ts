import { createHash } from 'node:crypto';

/**
 * A multimap from string keys to byte offsets, kept in two typed arrays (open addressing, linear probing) instead of
 * a Map of strings: 12 bytes a slot outside the JS heap rather than ~170 bytes of strings and map entries a key on
 * it, so the journal's index of 100,000 answered photos (300,000 keys) is ~6 MB that the garbage collector never walks or scales
 * its heap by (issue 14: peak memory flat at any size). A key is stored as 32 bits of its SHA-1; keys that share
 * them all come back from `candidates`, newest first, and the caller checks each against the record it points to,
 * as it already did: a shared tag costs one extra read, never a wrong answer.
 */
export class OffsetIndex {
  #tags = new Uint32Array(0);
  /** offset + 1 (0 marks an empty slot); a double holds any file offset exactly. */
  #offsets = new Float64Array(0);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(key: string, offset: number): void {
    // At most 3/4 full: linear probing stays short (a few typed-array reads), and the table stays small.
    if ((this.#size + 1) * 4 > this.#tags.length * 3) this.#grow();
    const { tag, start } = hashOf(key);
    this.#put(tag, start, offset);
    this.#size++;
  }

  /** Offsets stored under this key (and, rarely, under keys sharing its 32-bit tag), newest (largest) first. */
  candidates(key: string): number[] {
    if (this.#size === 0) return [];
    const { tag, start } = hashOf(key);
    const mask = this.#tags.length - 1;
    const found: number[] = [];
    for (let i = start & mask; this.#offsets[i] !== 0; i = (i + 1) & mask) {
      if (this.#tags[i] === tag) found.push(this.#offsets[i]! - 1);
    }
    return found.length > 1 ? found.sort((a, b) => b - a) : found;
  }

  clear(): void {
    this.#tags = new Uint32Array(0);
    this.#offsets = new Float64Array(0);
    this.#size = 0;
  }

  #put(tag: number, start: number, offset: number): void {
    const mask = this.#tags.length - 1;
    let i = start & mask;
    while (this.#offsets[i] !== 0) i = (i + 1) & mask;
    this.#tags[i] = tag;
    this.#offsets[i] = offset + 1;
  }

  #grow(): void {
    const oldTags = this.#tags;
    const oldOffsets = this.#offsets;
    const capacity = Math.max(1024, oldTags.length * 2);
    this.#tags = new Uint32Array(capacity);
    this.#offsets = new Float64Array(capacity);
    // The probe start is derived from the tag alone (startOf), so the table is rebuilt from what it stores.
    for (let i = 0; i < oldTags.length; i++) {
      if (oldOffsets[i] !== 0) this.#put(oldTags[i]!, startOf(oldTags[i]!), oldOffsets[i]! - 1);
    }
  }
}

function hashOf(key: string): { tag: number; start: number } {
  const tag = createHash('sha1').update(key).digest().readUInt32LE(0);
  return { tag, start: startOf(tag) };
}

/** The probe start, derived from the tag alone so the table can be rebuilt from what it stores. */
function startOf(tag: number): number {
  // A multiplicative mix (Knuth): the low bits used by the mask depend on every bit of the tag.
  return Math.imul(tag, 0x9e3779b1) >>> 0;
}
