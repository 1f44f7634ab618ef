import path from 'node:path';

/**
 * With default naming, IMG_1.CR2 and IMG_1.JPG share IMG_1.xmp: one shot, one sidecar, as Lightroom
 * and Capture One expect. Any other two photos that would share a sidecar (IMG_1.jpg and IMG_1.png,
 * two different pictures) must not: all but the first (by path) get the darktable-style own name,
 * IMG_1.png.xmp. Shared sidecars are owned by one photo of the pair, for the output manifest.
 */
export function sharedNames(photos: Iterable<{ path: string }>, naming: 'default' | 'darktable') {
  const own = new Set<string>();
  const owner = new Map<string, string>();
  if (naming === 'default') {
    const groups = new Map<string, string[]>();
    for (const p of photos) {
      const parsed = path.parse(p.path);
      const key = path.join(parsed.dir, parsed.name).toLowerCase();
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(p.path);
    }
    for (const group of groups.values()) {
      if (group.length < 2) continue;
      const sorted = [...group].sort();
      const raws = sorted.filter(isRawFormatName);
      const others = sorted.filter((p) => !isRawFormatName(p));
      // A RAW and its one rendered copy share; everything else gets its own name.
      const sharing = raws.length === 1 && others.length >= 1 ? [raws[0]!, others[0]!] : [raws[0] ?? others[0]!];
      for (const p of group) {
        if (sharing.includes(p)) owner.set(p, sharing[0]!);
        else own.add(p);
      }
    }
  }
  return { own, ownerOf: (p: string) => owner.get(p) ?? p };
}

/** Camera RAW extensions (the scan's list): a RAW and its JPEG are one shot. */
const RAW_EXTENSIONS = new Set(['.cr2', '.cr3', '.nef', '.arw', '.dng', '.raf', '.orf', '.rw2']);

function isRawFormatName(file: string): boolean {
  return RAW_EXTENSIONS.has(path.extname(file).toLowerCase());
}
