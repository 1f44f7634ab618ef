import path from 'node:path';

/** What a photo's sidecars are called: its own name (`IMG_1.png.xmp`) or the shared one (`IMG_1.xmp`), owned by `owner`. */
export interface NameDecision {
  own: boolean;
  /** The photo the shared sidecar is recorded for in the output manifest (the photo itself when `own`). */
  owner: string;
}

/** What earlier runs decided, as the output manifest recorded it. */
export interface PriorNames {
  /** The photo that owns `photo`'s shared sidecar, and the others that wrote into it, if one was written. */
  shared(photo: PhotoName): { owner: string; sharers: readonly string[] } | undefined;
  /** Whether `photo` has a sidecar under its own name. */
  ownNamed(photo: PhotoName): boolean;
}

export interface PhotoName {
  path: string;
  file: string;
}

interface Group {
  members: PhotoName[];
  decided: Map<string, NameDecision>;
  /** Photos using the shared name, owner first; undefined until the group is first decided. */
  sharing?: string[];
}

/**
 * With default naming, IMG_1.CR2 and IMG_1.JPG share IMG_1.xmp: one shot, one sidecar, as Lightroom
 * and Capture One expect. Any other two photos that would share a sidecar (IMG_1.jpg and IMG_1.png,
 * two different pictures) must not: one keeps the shared name, the others get the darktable-style own
 * name, IMG_1.png.xmp.
 *
 * Decided once per photo and never changed: for a list known up front (`run`), in path order with RAWs
 * first, so the first photo (or the RAW and its one rendered copy) shares; for photos arriving later
 * (`watch`), as each arrives, against the photos known so far. What earlier runs wrote (the manifest:
 * which photo owns a shared sidecar, who wrote into it, who has its own) comes first, so a later run
 * over the same folder, `run` or `watch`, keeps every name already on disk.
 */
export class SidecarNames {
  readonly #groups = new Map<string, Group>();
  /** The photos were all given up front: one alone in its group is decided without being kept (flat memory). */
  readonly #listed: boolean;

  constructor(
    private readonly naming: 'default' | 'darktable',
    known: Iterable<PhotoName> = [],
    private readonly prior?: PriorNames,
  ) {
    this.#listed = false;
    if (naming !== 'default') {
      for (const _ of known) { this.#listed = true; break; }
      return;
    }
    // Two passes over the list (a packed PhotoList or an array): first one counter per name, then members only for
    // the names two photos share, so a 100,000-photo run keeps no object per photo (issue 14: flat memory).
    const counts = new Map<string, number>();
    for (const p of known) {
      const key = groupKey(p);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    this.#listed = counts.size > 0;
    for (const [key, n] of counts) if (n < 2) counts.delete(key);
    if (counts.size === 0) return;
    for (const p of known) {
      const key = groupKey(p);
      if (!counts.has(key)) continue;
      const group = this.#groups.get(key);
      if (group) group.members.push({ path: p.path, file: p.file });
      else this.#groups.set(key, { members: [{ path: p.path, file: p.file }], decided: new Map() });
    }
    for (const [key, group] of this.#groups) if (group.members.length < 2) this.#groups.delete(key);
  }

  /** A photo the source gave after the start: decided now, against the photos known so far. */
  arrive(photo: PhotoName): NameDecision {
    return this.decide(photo);
  }

  decide(photo: PhotoName): NameDecision {
    if (this.naming === 'darktable') return { own: false, owner: photo.path };
    const key = groupKey(photo);
    let group = this.#groups.get(key);
    if (!group) {
      group = { members: [], decided: new Map() };
      if (!this.#listed) this.#groups.set(key, group);
    }
    if (!group.members.some((m) => m.path === photo.path)) group.members.push(photo);
    const known = group.decided.get(photo.path);
    if (known) return known;
    if (group.sharing === undefined) {
      const earlier = group.members.map((m) => this.prior?.shared(m)).find((s) => s !== undefined);
      group.sharing = earlier ? [earlier.owner, ...earlier.sharers.filter((s) => s !== earlier.owner)] : [];
    }
    const sharing = group.sharing;
    const raws = group.members.filter((m) => isRawFormatName(m.path)).length;
    for (const m of canonical(group.members.filter((m) => !group.decided.has(m.path)))) {
      const prior = this.prior?.ownNamed(m) === true;
      const shares = !prior && (sharing.includes(m.path) || sharing.length === 0
        // A RAW and its one rendered copy share; with two RAWs of one name, the copy is of neither.
        || (sharing.length === 1 && isRawFormatName(sharing[0]!) !== isRawFormatName(m.path) && raws <= 1));
      if (shares && !sharing.includes(m.path)) sharing.push(m.path);
      group.decided.set(m.path, shares ? { own: false, owner: sharing[0]! } : { own: true, owner: m.path });
    }
    return group.decided.get(photo.path)!;
  }

}

/** Photos whose sidecars would share a name: one folder, one stem, letter case ignored. */
function groupKey(photo: PhotoName): string {
  const parsed = path.parse(photo.path);
  return path.join(parsed.dir, parsed.name).toLowerCase();
}

/** RAWs first, then the others, each in path order. */
function canonical(photos: PhotoName[]): PhotoName[] {
  const byPath = (a: PhotoName, b: PhotoName) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return [...photos.filter((p) => isRawFormatName(p.path)).sort(byPath), ...photos.filter((p) => !isRawFormatName(p.path)).sort(byPath)];
}

/** Camera RAW extensions (the scan's list): a RAW and its JPEG are one shot. */
const RAW_EXTENSIONS = new Set(['.cr2', '.cr3', '.nef', '.arw', '.dng', '.raf', '.orf', '.rw2']);

function isRawFormatName(file: string): boolean {
  return RAW_EXTENSIONS.has(path.extname(file).toLowerCase());
}
