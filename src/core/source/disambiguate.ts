import path from 'node:path';
import type { PhotoList } from './photo-list.js';
import { isInside, toPosix } from './scan-paths.js';

/**
 * `file` names a photo's outputs inside --out (sidecars, returned images). Two inputs with the same `file`
 * (IMG_1.jpg on two memory cards) would share them: those get their path relative to the closest folder holding
 * both, letter case ignored (macOS and Windows disks ignore it too). Renames in place.
 *
 * No object per photo (issue 14: flat memory): every lowercased name goes into a hash set held in two typed arrays,
 * which finds the few shared names; only those are collected.
 */
export function disambiguate(list: PhotoList): void {
  const names = new NameSet(list);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < list.length; i++) {
    const first = names.add(i);
    if (first === i) continue;
    const group = groups.get(names.keyOf(i));
    if (group) group.push(i);
    else groups.set(names.keyOf(i), [first, i]);
  }
  // Every new name is chosen against the names as scanned, so all are chosen before any is applied.
  const renamed: [number, string][] = [];
  for (const group of groups.values()) {
    const base = commonDir(group.map((i) => list.pathAt(i)));
    for (const i of group) {
      const p = list.at(i)!;
      const rel = toPosix(path.relative(base, p.path));
      let file = rel;
      // Never land on another photo's name either.
      for (let n = 2; names.has(file.toLowerCase()) && file !== p.file; n++) file = `${rel}~${n}`;
      renamed.push([i, file]);
    }
  }
  for (const [i, file] of renamed) list.rename(i, file);
}

/** The photos' lowercased `file`s, open addressing: a slot holds a photo's index and its name's hash. */
class NameSet {
  readonly #list: PhotoList;
  readonly #slots: Int32Array;
  readonly #hashes: Uint32Array;
  readonly #mask: number;

  constructor(list: PhotoList) {
    let size = 16;
    while (size < list.length * 2) size *= 2;
    this.#list = list;
    this.#slots = new Int32Array(size).fill(-1);
    this.#hashes = new Uint32Array(size);
    this.#mask = size - 1;
  }

  keyOf(i: number): string {
    return this.#list.at(i)!.file.toLowerCase();
  }

  /** Adds photo i's name; returns i, or the first photo that has the same name. */
  add(i: number): number {
    const key = this.keyOf(i);
    const hash = hashOf(key);
    const slot = this.#find(key, hash);
    if (this.#slots[slot] !== -1) return this.#slots[slot]!;
    this.#slots[slot] = i;
    this.#hashes[slot] = hash;
    return i;
  }

  has(key: string): boolean {
    return this.#slots[this.#find(key, hashOf(key))] !== -1;
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  #find(key: string, hash: number): number {
    let slot = hash & this.#mask;
    for (;;) {
      const held = this.#slots[slot]!;
      if (held === -1 || (this.#hashes[slot] === hash && this.keyOf(held) === key)) return slot;
      slot = (slot + 1) & this.#mask;
    }
  }
}

/** FNV-1a over UTF-16 code units. */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function commonDir(paths: string[]): string {
  let dir = path.dirname(paths[0]!);
  while (!paths.every((p) => isInside(p, dir) && p !== dir)) {
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dir;
}
