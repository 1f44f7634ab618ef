import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../record/atomic-write.js';

export const DELIVERY_MANIFEST = '.photobatch-delivered.json';

/**
 * What photobatch wrote into a delivery folder, with the SHA-256 of each file as written. A file
 * may be replaced only when it is listed here and still has those bytes: anything else is the
 * user's (a copy they edited, a file that was there first) and is never overwritten.
 */
export interface DeliveryManifest {
  /**
   * Throws when `file` exists and photobatch did not write it, or it changed since, or (given `source`)
   * it is the copy of another photo: two photos with one name never overwrite each other's copy.
   */
  assertReplaceable(file: string, source?: string): Promise<void>;
  record(file: string, source?: string): Promise<void>;
}

interface Entry {
  sha256: string;
  /** The original this file is a copy of (absent for sidecars, which a RAW and its HEIC may share). */
  source?: string;
}

export async function openDeliveryManifest(dir: string): Promise<DeliveryManifest> {
  const manifestFile = path.join(dir, DELIVERY_MANIFEST);
  let entries: Record<string, Entry> = {};
  const text = await readFile(manifestFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text !== undefined) {
    try {
      const parsed = JSON.parse(text) as { files?: unknown };
      if (parsed.files && typeof parsed.files === 'object') entries = parsed.files as Record<string, Entry>;
    } catch {
      // A damaged manifest protects nothing: every existing file is then treated as the user's.
      entries = {};
    }
  }
  let saving: Promise<void> = Promise.resolve();
  const key = (file: string) => path.relative(dir, file).split(path.sep).join('/');

  return {
    async assertReplaceable(file, source) {
      const current = await sha256File(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (current === undefined) return;
      const known = entries[key(file)];
      if (known === undefined) throw new Error(`${file} already exists and photobatch did not create it; not replacing it (move it away or pick another --deliver folder)`);
      if (known.sha256 !== current) throw new Error(`${file} was changed after photobatch wrote it; not replacing it (delete it to have it delivered again)`);
      if (source !== undefined && known.source !== undefined && known.source !== source) {
        throw new Error(`${file} is the delivered copy of ${known.source}, another photo with the same name; not replacing it with ${source}'s`);
      }
    },
    async record(file, source) {
      entries[key(file)] = { sha256: await sha256File(file), ...(source === undefined ? {} : { source }) };
      // One write at a time, each with every entry so far: the last one on disk is complete.
      saving = saving.catch(() => undefined).then(() => writeFileAtomic(manifestFile, `${JSON.stringify({ version: 1, files: entries }, null, 1)}\n`));
      await saving;
    },
  };
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('error', reject)
      .on('data', (d) => hash.update(d))
      .on('end', () => resolve(hash.digest('hex')));
  });
}
