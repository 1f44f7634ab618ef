import type { PhotoRef } from '../types.js';

/** Photos are packed in chunks of up to this many bytes: one growing Buffer would be copied at every doubling. */
const CHUNK_BYTES = 1 << 20;
/** The first chunk's size; each next one doubles up to CHUNK_BYTES. The scan makes a list per input (a stdin list of folders). */
const FIRST_CHUNK_BYTES = 1 << 14;
/** `fileChars` when the photo's `file` is not the tail of its path (a `~2` suffix, a Windows path): see `#odd`. */
const NOT_A_TAIL = 0xffffffff;

/**
 * The scanned photos, in scan order, packed outside the JS heap: every path's UTF-8 bytes back to back in chunks of up
 * to 1 MB, and per photo four 32-bit numbers: chunk, start and end of its path, and the length of its `file`, the path's tail.
 * ~70 bytes a photo that the garbage collector never walks or scales its heap by, instead of ~200 bytes of
 * `PhotoRef` objects, strings, array and set entries held for the whole run (issue 14: peak memory flat at any
 * size). A `PhotoRef` is made when a photo is taken and dropped with it.
 */
export class PhotoList implements Iterable<PhotoRef> {
  #chunks: Buffer[] = [];
  #used = 0;
  /** chunk, start, end per photo (bytes). */
  #spans = new Uint32Array(0);
  #fileChars = new Uint32Array(0);
  #length = 0;
  /** The rare photos whose path does not survive UTF-8 (a lone surrogate) or whose `file` is not its path's tail. */
  #odd = new Map<number, PhotoRef>();
  /** Whether the paths are in ascending order (the scan's order), which lets `hasPath` search. */
  #sorted = true;
  #last: string | undefined;

  static from(photos: Iterable<PhotoRef>): PhotoList {
    const list = new PhotoList();
    for (const p of photos) list.push(p);
    return list;
  }

  get length(): number {
    return this.#length;
  }

  push(photo: PhotoRef): void {
    this.add(photo.path, photo.file);
  }

  /** `push` without a `PhotoRef` to make: the scan packs photos as it walks. */
  add(path: string, file: string): void {
    const i = this.#length;
    if ((i + 1) * 3 > this.#spans.length) this.#grow();
    const bytes = Buffer.from(path, 'utf8');
    const tail = path.endsWith(file) && path.length > file.length;
    if (bytes.toString('utf8') !== path || !tail) this.#odd.set(i, { path, file });
    const last = this.#chunks[this.#chunks.length - 1];
    if (last === undefined || this.#used + bytes.length > last.length) {
      const size = last === undefined ? FIRST_CHUNK_BYTES : Math.min(CHUNK_BYTES, last.length * 2);
      this.#chunks.push(Buffer.allocUnsafeSlow(Math.max(size, bytes.length)));
      this.#used = 0;
    }
    const chunk = this.#chunks.length - 1;
    bytes.copy(this.#chunks[chunk]!, this.#used);
    this.#spans[i * 3] = chunk;
    this.#spans[i * 3 + 1] = this.#used;
    this.#spans[i * 3 + 2] = this.#used + bytes.length;
    this.#fileChars[i] = tail ? file.length : NOT_A_TAIL;
    this.#used += bytes.length;
    if (this.#last !== undefined && !(this.#last < path)) this.#sorted = false;
    this.#last = path;
    this.#length++;
  }

  /** Gives photo `i` another `file` (a name shared by two inputs, see disambiguate.ts); its path stays. */
  rename(i: number, file: string): void {
    this.#odd.set(i, { path: this.pathAt(i), file });
  }

  pathAt(i: number): string {
    const odd = this.#odd.get(i);
    if (odd) return odd.path;
    return this.#chunks[this.#spans[i * 3]!]!.toString('utf8', this.#spans[i * 3 + 1], this.#spans[i * 3 + 2]);
  }

  at(i: number): PhotoRef | undefined {
    if (i < 0 || i >= this.#length) return undefined;
    const odd = this.#odd.get(i);
    if (odd) return { ...odd };
    const path = this.pathAt(i);
    // The file name is the path's tail: a slice of the same string (V8 shares it for 13 characters and more).
    return { path, file: path.slice(path.length - this.#fileChars[i]!) };
  }

  /** Whether `abs` is one of the photos: a binary search over the sorted paths, else a walk. */
  hasPath(abs: string): boolean {
    if (!this.#sorted) {
      for (let i = 0; i < this.#length; i++) if (this.pathAt(i) === abs) return true;
      return false;
    }
    let lo = 0;
    let hi = this.#length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const p = this.pathAt(mid);
      if (p === abs) return true;
      if (p < abs) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  filter(keep: (photo: PhotoRef) => boolean): PhotoList {
    const out = new PhotoList();
    for (const p of this) if (keep(p)) out.push(p);
    return out;
  }

  *[Symbol.iterator](): Iterator<PhotoRef> {
    for (let i = 0; i < this.#length; i++) yield this.at(i)!;
  }

  #grow(): void {
    const slots = Math.max(1024, this.#fileChars.length * 2);
    const spans = new Uint32Array(slots * 3);
    spans.set(this.#spans);
    const starts = new Uint32Array(slots);
    starts.set(this.#fileChars);
    this.#spans = spans;
    this.#fileChars = starts;
  }
}
