import { createHash } from 'node:crypto';
import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import path from 'node:path';

export const MANIFEST_FILE = '.photobatch-files.jsonl';

/** One file photobatch created, for which photo, and a fingerprint of each field it wrote there. */
export interface ManifestEntry {
  file: string;
  for: string;
  fields?: Record<string, string>;
}

/** A short fingerprint of a value photobatch wrote, to tell it later from a value edited by hand. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(typeof value === 'string' ? value.normalize('NFC').trim() : JSON.stringify(value) ?? '').digest('hex').slice(0, 16);
}

/**
 * The files photobatch created (in --out, and sidecars beside originals), so it knows which it may
 * replace: anything else, and every input photo, is the user's. Append-only JSON lines in --out; the
 * run lock makes this process its only writer. The last line for a file wins.
 */
export class OutputManifest {
  readonly file: string;
  readonly #entries = new Map<string, ManifestEntry>();
  readonly #inputs: Set<string>;
  /** The scanned photos when packed (a PhotoList): searched in place rather than copied into the set. */
  readonly #list: { hasPath(abs: string): boolean } | undefined;

  #loaded = false;

  constructor(outDir: string, inputs: Iterable<string> | { hasPath(abs: string): boolean } = []) {
    this.file = path.join(outDir, MANIFEST_FILE);
    this.#list = 'hasPath' in inputs ? inputs : undefined;
    // The scan's own strings when they are already absolute (path.resolve copies them): one path per photo, not two.
    this.#inputs = new Set(Array.from('hasPath' in inputs ? [] : inputs, (p) => {
      const abs = path.resolve(p);
      return abs === p ? p : abs;
    }));
  }

  /** Read on first use, which comes after the run lock: a run that waited sees what the other one created. */
  #load(): Map<string, ManifestEntry> {
    if (this.#loaded) return this.#entries;
    this.#loaded = true;
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      // none yet
    }
    for (const line of text.split('\n')) {
      try {
        const e = JSON.parse(line) as ManifestEntry;
        if (typeof e.file === 'string' && typeof e.for === 'string') this.#entries.set(e.file, e);
      } catch {
        // a torn or foreign line: that file simply does not count as ours
      }
    }
    return this.#entries;
  }

  /** A photo that arrived after the start (photobatch watch): it is the user's too. */
  addInput(abs: string): void {
    this.#inputs.add(path.resolve(abs));
  }

  /** What photobatch last wrote at `abs`, if it created that file. */
  entry(abs: string): ManifestEntry | undefined {
    return this.#load().get(path.resolve(abs));
  }

  isInput(abs: string): boolean {
    const resolved = path.resolve(abs);
    return this.#inputs.has(resolved) || (this.#list?.hasPath(resolved) ?? false);
  }

  /**
   * Whether `abs` may be written for the photo `forInput`: never an input photo; a new file, or one
   * photobatch created for the same photo. `merge` kinds (XMP, JSON) may also update a file someone
   * else made, keeping what is in it; whole-file outputs may not.
   */
  async check(abs: string, forInput: string, opts: { merge?: boolean; overwrite?: boolean } = {}): Promise<'new' | 'ours' | 'theirs'> {
    if (this.isInput(abs)) throw new Error(`${abs} is one of the input photos; it is never written`);
    const kind = await fileKind(abs);
    if (kind === 'missing') return 'new';
    if (kind !== 'file') throw new Error(`${abs} exists and is not a regular file; not writing over it`);
    const e = this.entry(abs);
    if (e && e.for === path.resolve(forInput)) return 'ours';
    if (e) throw new Error(`${abs} was written for another photo (${path.basename(e.for)}); not mixing them`);
    if (opts.merge || opts.overwrite) return 'theirs';
    throw new Error(`${abs} exists and photobatch did not create it; not replacing it (move it away or pass --overwrite)`);
  }

  record(abs: string, forInput: string, fields?: Record<string, string>): void {
    const e: ManifestEntry = { file: path.resolve(abs), for: path.resolve(forInput), ...(fields ? { fields } : {}) };
    this.#load().set(e.file, e);
    // O_NOFOLLOW: a symlink planted as the manifest must not redirect the append to someone else's file.
    const fd = openSync(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
    try {
      writeSync(fd, JSON.stringify(e) + '\n');
    } finally {
      closeSync(fd);
    }
  }
}

async function fileKind(abs: string): Promise<'missing' | 'file' | 'other'> {
  // lstat, not stat: a symlink planted where a sidecar goes must not redirect the write elsewhere.
  try {
    return (await lstat(abs)).isFile() ? 'file' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
}

/**
 * Whether a fixed-name report (cost-report.json, report.html…) may be replaced: absent, or a regular
 * file that carries photobatch's mark in its first bytes (reports from before the manifest existed
 * count as ours too). `--out .` in a folder with the user's own report.html must not destroy it.
 */
export async function reportReplaceable(file: string, mark: string): Promise<boolean> {
  let fh;
  try {
    if (!(await lstat(file)).isFile()) return false;
    fh = await open(file, 'r');
    const head = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead).toString('utf8').includes(mark);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  } finally {
    await fh?.close();
  }
}
