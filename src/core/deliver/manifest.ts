import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';

export const DELIVERY_MANIFEST = '.photobatch-delivered.json';

/**
 * What photobatch wrote into a delivery folder, with the SHA-256 of each file as written. A file
 * may be replaced only when it is listed here and still has those bytes: anything else is the
 * user's (a copy they edited, a file that was there first) and is never overwritten.
 */
export interface DeliveryManifest {
  /** Throws when `file` exists and photobatch did not write it, or it changed since. */
  assertReplaceable(file: string): Promise<void>;
  record(file: string): Promise<void>;
}

export async function openDeliveryManifest(dir: string): Promise<DeliveryManifest> {
  const manifestFile = path.join(dir, DELIVERY_MANIFEST);
  let entries: Record<string, string> = {};
  const text = await readFile(manifestFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text !== undefined) {
    try {
      const parsed = JSON.parse(text) as { files?: unknown };
      if (parsed.files && typeof parsed.files === 'object') entries = parsed.files as Record<string, string>;
    } catch {
      // A damaged manifest protects nothing: every existing file is then treated as the user's.
      entries = {};
    }
  }
  let saving: Promise<void> = Promise.resolve();
  const key = (file: string) => path.relative(dir, file).split(path.sep).join('/');

  return {
    async assertReplaceable(file) {
      const current = await sha256File(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (current === undefined) return;
      const known = entries[key(file)];
      if (known === undefined) throw new Error(`${file} already exists and photobatch did not create it; not replacing it (move it away or pick another --deliver folder)`);
      if (known !== current) throw new Error(`${file} was changed after photobatch wrote it; not replacing it (delete it to have it delivered again)`);
    },
    async record(file) {
      entries[key(file)] = await sha256File(file);
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
