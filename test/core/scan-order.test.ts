import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { opendir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPhotoPath, scanInputs, scanPhotoList, type ScanOptions } from '../../src/core/source/scan.js';
import type { PhotoRef } from '../../src/core/types.js';
import { UsageError } from '../../src/core/errors.js';
import { kindOf } from '../../src/core/images/read-input.js';
import { tempDir } from '../helpers/images.js';

// The scan packs photos as it walks, each folder's names sorted, instead of collecting PhotoRefs in a map and
// sorting them all (issue 14). Its result must be exactly the old one: the old algorithm is kept below as the oracle.

interface Seen {
  photos: PhotoRef[];
  skipped: string[];
}

async function both(inputs: string[], opts: ScanOptions = {}): Promise<{ now: Seen; then: Seen }> {
  const now: Seen = { photos: [], skipped: [] };
  const then: Seen = { photos: [], skipped: [] };
  now.photos = await scanInputs(inputs, { ...opts, onSkip: (input, reason) => now.skipped.push(`${input}: ${reason}`) });
  then.photos = await oldScanInputs(inputs, { ...opts, onSkip: (input, reason) => then.skipped.push(`${input}: ${reason}`) });
  // Folders are now read in name order, so skips are told in another order: the same ones, each as often.
  now.skipped.sort();
  then.skipped.sort();
  return { now, then };
}

function put(root: string, files: string[]): void {
  for (const f of files) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), 'x');
  }
}

/** A small seeded generator (mulberry32): the same trees on every run, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Characters around '/' (0x2F) and the other places where orders disagree: ' ' '-' '.' '0' before and after '/',
// letter case, 'é', U+E000 and U+FF5E (UTF-16 above the surrogates) and an astral emoji (a surrogate pair).
const ALPHABET = ['a', 'A', 'b', '-', '.', ' ', '0', '_', '~', 'é', '\uE000', '\uFF5E', '😀', '𝒜'];
const EXTENSIONS = ['.jpg', '.JPG', '.jpeg', '.png', '.txt', '.dng', ''];

function randomTree(root: string, rand: () => number, count: number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const name = (): string => {
    const n = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(ALPHABET)).join('');
    return n === '.' || n === '..' ? name() : n;
  };
  const dirs = [''];
  const files = new Set<string>();
  for (let i = 0; i < count; i++) {
    // Short names from a small alphabet: the same names again in other folders and other cards, in other letter cases.
    const entry = path.posix.join(pick(dirs), name());
    if (rand() < 0.25) {
      if (!files.has(entry) && !dirs.includes(entry)) dirs.push(entry);
      continue;
    }
    const file = entry + pick(EXTENSIONS);
    if (!dirs.includes(file)) files.add(file);
  }
  put(root, [...files]);
  return [...files];
}


describe('the scan packs photos in the same order and with the same names as before', () => {
  it('orders a tricky tree as the old global sort did (a-b.jpg, folder a.b, a.jpg, folder a, a0.jpg)', async () => {
    const root = await tempDir();
    put(root, [
      'a-b.jpg', 'a/x.jpg', 'a/ z.jpg', 'a.b/y.jpg', 'a.jpg', 'a0.jpg', 'a b.jpg', 'A.jpg', 'a/-/q.jpg', 'a/0/q.jpg',
      'ab/c.png', 'a_b.jpg', 'é.jpg', 'e\u0301.jpg', '\uE000.jpg', '\uFF5E.jpg', '😀.jpg', '😀/in.jpg', 'z.jpg', '0/1.jpg',
      '-/x.jpg', ' lead.jpg', 'x.jpg/inside.jpg', '.hidden.jpg', '.git/e.jpg', 'notes.txt', 'out/f.jpg',
    ]);
    const { now, then } = await both([root], { outDir: path.join(root, 'out') });
    expect(now).toEqual(then);
    const files = now.photos.map((p) => p.file);
    // A folder's photos sort as if its name ended in '/': after 'a-b.jpg' and 'a.jpg' ('-' and '.' sort before '/'), before 'a0.jpg'.
    const order = ['a-b.jpg', 'a.b/y.jpg', 'a.jpg', 'a/ z.jpg', 'a/-/q.jpg', 'a/0/q.jpg', 'a/x.jpg', 'a0.jpg', 'a_b.jpg', 'ab/c.png'];
    expect(files.filter((f) => order.includes(f))).toEqual(order);
    // JS string order: the emoji (a surrogate pair, D83D…) sorts before U+E000 and U+FF5E, although its UTF-8 bytes sort after.
    expect(files.indexOf('😀.jpg')).toBeLessThan(files.indexOf('\uE000.jpg'));
    expect(files.indexOf('\uE000.jpg')).toBeLessThan(files.indexOf('\uFF5E.jpg'));
    expect(files).not.toContain('out/f.jpg');
    expect(files).toHaveLength(23);
  });

  it('skips what it skipped before: FIFOs, broken links, names not valid UTF-8, links to folders; follows links to files', async () => {
    const root = await tempDir();
    put(root, ['real.jpg', 'sub/deep.jpg']);
    execFileSync('mkfifo', [path.join(root, 'fifo.jpg')]);
    symlinkSync('/dev/zero', path.join(root, 'zero.jpg'));
    symlinkSync(path.join(root, 'nowhere.jpg'), path.join(root, 'broken.jpg'));
    symlinkSync(path.join(root, 'real.jpg'), path.join(root, 'link.jpg'));
    symlinkSync(path.join(root, 'sub'), path.join(root, 'folder.jpg'));
    // Two names whose bytes are not UTF-8 read as the same name ('\uFFFD.jpg').
    writeFileSync(Buffer.concat([Buffer.from(root + '/'), Buffer.from([0xff]), Buffer.from('.jpg')]), 'x');
    writeFileSync(Buffer.concat([Buffer.from(root + '/sub/'), Buffer.from([0xfe, 0xff]), Buffer.from('.jpg')]), 'x');
    writeFileSync(Buffer.concat([Buffer.from(root + '/sub/'), Buffer.from([0xfe, 0xfe]), Buffer.from('.jpg')]), 'x');
    const { now, then } = await both([root, path.join(root, 'sub')]);
    expect(now).toEqual(then);
    expect(now.photos.map((p) => p.file)).toEqual(['link.jpg', 'real.jpg', 'sub/deep.jpg']);
    // FIFO, /dev/zero, broken link, link to a folder, 3 names not UTF-8; the two in sub/ again from the second input.
    expect(now.skipped).toHaveLength(9);
  });

  it('names photos that share a name on two inputs as before, ~2 when the new name is another photo\'s', async () => {
    const root = await tempDir();
    put(root, ['c1/IMG.jpg', 'c2/img.JPG', 'c3/c1/IMG.jpg', 'c3/x/a.jpg', 'c4/x/A.jpg', 'c4/x/b.jpg', 'c4/y/b.jpg']);
    const cards = ['c1', 'c2', 'c3', 'c4'].map((c) => path.join(root, c));
    const { now, then } = await both(cards);
    expect(now).toEqual(then);
    expect(now.photos.map((p) => p.file)).toEqual(['c1/IMG.jpg~2', 'c2/img.JPG', 'c1/IMG.jpg', 'c3/x/a.jpg', 'c4/x/A.jpg', 'x/b.jpg', 'y/b.jpg']);
    // The packed list gives the same photos.
    expect([...(await scanPhotoList(cards))]).toEqual(now.photos);
  });

  it('merges overlapping inputs as before: the first input that holds a photo names it', async () => {
    const root = await tempDir();
    put(root, ['top.jpg', 'sub/a.jpg', 'sub/deeper/b.png', 'other.txt']);
    const sub = path.join(root, 'sub');
    const cases: [string[], string[]][] = [
      [[root, sub], []],
      [[sub, root], []],
      [[path.join(sub, 'a.jpg'), root, path.join(sub, 'a.jpg')], []],
      [['-', root], [path.join(root, 'other.txt'), sub, path.join(root, 'top.jpg'), path.join(root, 'other.txt'), 'missing.jpg']],
      [[root, '-'], [path.join(sub, 'deeper'), path.join(root, 'top.jpg'), sub]],
    ];
    for (const [inputs, stdin] of cases) {
      const { now, then } = await both(inputs, { cwd: root, readStdinPaths: async () => stdin });
      expect(now, inputs.join(' ')).toEqual(then);
    }
  });

  it('gives the old result over generated trees: two cards sharing names, overlapping inputs, files, stdin lists', async () => {
    let shared = 0;
    let suffixed = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const rand = random(seed);
      const root = await tempDir();
      const cardA = randomTree(path.join(root, 'A'), rand, 120);
      randomTree(path.join(root, 'b'), rand, 80);
      const inside = (card: string, files: string[]) => files.slice(0, 3).map((f) => path.join(root, card, f));
      const subA = cardA.find((f) => f.includes('/'));
      const inputs = [path.join(root, 'A'), path.join(root, 'b')];
      if (seed % 2 === 0) inputs.reverse();
      if (subA && seed % 3 !== 0) inputs.splice(seed % 3, 0, path.join(root, 'A', path.dirname(subA)));
      if (seed % 4 === 1) inputs.unshift(...inside('A', cardA));
      if (seed % 4 === 2) inputs.push('-');
      const stdin = [...inside('A', cardA.slice(3)), path.join(root, 'b'), ...inside('A', cardA)];
      const outDir = seed % 5 === 0 ? path.join(root, 'b') : path.join(root, 'out');
      const { now, then } = await both(inputs, { outDir, cwd: root, readStdinPaths: async () => stdin });
      expect(now, `seed ${seed}`).toEqual(then);
      expect(now.photos.length, `seed ${seed}`).toBeGreaterThan(20);
      shared += now.photos.filter((p) => /^(A|b)\//.test(p.file)).length;
      suffixed += now.photos.filter((p) => /~\d+$/.test(p.file)).length;
    }
    // The trees hold what is to be checked: names shared by both cards, and new names that needed a ~n.
    expect(shared).toBeGreaterThan(10);
    expect(suffixed).toBeGreaterThan(0);
  });

  it('a missing input is still a usage error', async () => {
    await expect(scanPhotoList(['/definitely/not/here'])).rejects.toThrow(UsageError);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The oracle: scanInputs as it was before the packed scan (src/core/source/scan.ts at aac425b), verbatim.

/**
 * Expands folders (recursively), files and `-` (paths on stdin) into a sorted, de-duplicated list of photos.
 * Hidden files and folders, and the output folder, are skipped. A missing input is a usage error:
 * a typo in a path must not silently process nothing.
 */
async function oldScanInputs(inputs: string[], opts: ScanOptions = {}): Promise<PhotoRef[]> {
  const cwd = opts.cwd ?? process.cwd();
  // The output folder is recognised however it is reached: by its real path, symlinks resolved.
  const outDir = opts.outDir === undefined ? undefined : await realOrResolved(path.resolve(cwd, opts.outDir));
  const found = new Map<string, PhotoRef>();
  const skip = opts.onSkip ?? (() => {});

  const expanded: { input: string; fromStdin: boolean }[] = [];
  for (const input of inputs) {
    if (input === '-') {
      const fromStdin = opts.readStdinPaths ? await opts.readStdinPaths() : [];
      expanded.push(...fromStdin.map((p) => ({ input: p, fromStdin: true })));
    } else {
      expanded.push({ input, fromStdin: false });
    }
  }

  for (const { input, fromStdin } of expanded) {
    const abs = path.resolve(cwd, input);
    let info;
    try {
      info = await stat(abs);
    } catch {
      // A typo on the command line must not silently process nothing; one odd line in a list must not stop the rest.
      if (fromStdin) {
        skip(input, input.includes('\uFFFD') ? 'the name is not valid UTF-8 (rename the file)' : 'not found');
        continue;
      }
      throw new UsageError(`Input not found: ${input}. Check the path (folders, image files, or - to read paths from stdin).`);
    }
    if (info.isDirectory()) {
      await walk(abs, abs, outDir, found, skip);
    } else if (info.isFile()) {
      // A file named explicitly is a photo whatever its extension: the user asked for it.
      if (!found.has(abs)) found.set(abs, { path: abs, file: path.basename(abs) });
    } else {
      skip(input, `not a regular file (${kindOf(info)}); photobatch reads only regular files`);
    }
  }

  return disambiguate([...found.values()]).sort((a, b) => compareStrings(a.path, b.path));
}

async function walk(root: string, dir: string, outDir: string | undefined, found: Map<string, PhotoRef>, skip: (input: string, reason: string) => void): Promise<void> {
  if (outDir !== undefined && (isInside(dir, outDir) || isInside(await realOrResolved(dir), outDir))) return;
  // Entries are read a batch at a time (opendir), not as one array: a folder of 100,000 photos as Dirent objects
  // was ~70 MB at once, the peak of a whole 100,000-photo run (issue 14: flat memory).
  const subfolders: string[] = [];
  try {
    const handle = await opendir(dir, { bufferSize: 256 });
    for await (const entry of handle) {
      if (entry.name.startsWith('.')) continue;
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        subfolders.push(abs);
        continue;
      }
      if (!isPhotoPath(entry.name) || found.has(abs)) continue;
      const file = relativeName(root, abs);
      // A name that is not valid UTF-8 reaches us with U+FFFD in it and cannot be opened by that name.
      if (entry.isFile() && !entry.name.includes('\uFFFD')) {
        found.set(abs, { path: abs, file });
        continue;
      }
      // A FIFO would hang the run, a link to /dev/zero would fill the memory: only regular files (or links to one) are read.
      const target = await stat(abs).catch(() => undefined);
      if (target?.isFile()) found.set(abs, { path: abs, file });
      else if (!target && entry.name.includes('\uFFFD')) skip(file, 'the name is not valid UTF-8 (rename the file)');
      else skip(file, target ? `not a regular file (${kindOf(target)})` : entry.isSymbolicLink() ? 'a broken symbolic link' : 'cannot be read');
    }
  } catch (err) {
    // One unreadable folder (permissions, a card pulled out) must not abort the whole scan.
    if (dir === root) throw err;
    skip(toPosix(path.relative(root, dir)) + '/', `the folder cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return;
  }
  // Sub-folders after this folder's handle is closed: one open folder at a time, however deep the tree.
  for (const sub of subfolders) await walk(root, sub, outDir, found, skip);
}

async function realOrResolved(p: string): Promise<string> {
  return realpath(p).catch(() => p);
}

/**
 * `file` names a photo's outputs inside --out (sidecars, returned images). Two inputs with the same
 * `file` (IMG_1.jpg on two memory cards) would share them: those get their path relative to the
 * closest folder holding both, letter case ignored (macOS and Windows disks ignore it too).
 */
function disambiguate(photos: PhotoRef[]): PhotoRef[] {
  // A name held once maps to its photo, a shared one to the list of them: no array per photo (100,000 at a time).
  const groups = new Map<string, PhotoRef | PhotoRef[]>();
  for (const p of photos) {
    const key = p.file.toLowerCase();
    const held = groups.get(key);
    if (held === undefined) groups.set(key, p);
    else if (Array.isArray(held)) held.push(p);
    else groups.set(key, [held, p]);
  }
  return photos.map((p) => {
    const group = groups.get(p.file.toLowerCase())!;
    if (!Array.isArray(group)) return p;
    const base = commonDir(group.map((g) => g.path));
    let file = toPosix(path.relative(base, p.path));
    // Never land on another photo's name either.
    for (let i = 2; groups.has(file.toLowerCase()) && file !== p.file; i++) file = `${toPosix(path.relative(base, p.path))}~${i}`;
    return { ...p, file };
  });
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

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The photo's name below its input folder. On POSIX it is the tail of `abs` itself (a slice V8 shares with the path
 * instead of a second copy): 100,000 photos hold one string each for the whole run, not two.
 */
function relativeName(root: string, abs: string): string {
  if (path.sep === '/' && abs.startsWith(root) && abs[root.length] === '/') return abs.slice(root.length + 1);
  return toPosix(path.relative(root, abs));
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Byte-wise order, so the same tree sorts the same on every machine and locale. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
