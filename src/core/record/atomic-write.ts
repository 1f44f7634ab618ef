import { randomBytes } from 'node:crypto';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fitFileName } from '../safety/file-names.js';

/**
 * Writes through a temp file and a rename, so a reader (a browser reloading report.html, a script
 * reading cost-report.json, a crash in the middle) never sees half a file, and concurrent writers
 * of the same file leave one whole version.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await replaceAtomically(file, (tmp) => writeFile(tmp, data));
}

/** The same, for a document produced piece by piece: it is never whole in memory. */
export async function writeChunksAtomic(file: string, chunks: Iterable<string> | AsyncIterable<string>): Promise<void> {
  await replaceAtomically(file, async (tmp) => {
    const handle = await open(tmp, 'w');
    try {
      // Batched writes: one syscall per ~64 KB rather than one per card.
      let pending = '';
      for await (const chunk of chunks) {
        pending += chunk;
        if (pending.length >= 65_536) {
          await handle.write(pending);
          pending = '';
        }
      }
      if (pending) await handle.write(pending);
    } finally {
      await handle.close();
    }
  });
}

/**
 * A temp name beside `target` (same file system, so the rename is atomic), hidden, with the real
 * extension last: ExifTool picks the file format from it. fitFileName: a 250-byte photo name plus
 * the temp suffix must still be a valid file name.
 */
export function tempPathFor(target: string): string {
  const ext = path.extname(target);
  return path.join(path.dirname(target), fitFileName(`.${path.basename(target)}`, `.${randomBytes(6).toString('hex')}.tmp${ext}`));
}

/**
 * The one temp-then-rename: `write` fills (or edits) the temp file, which then replaces `file` in one
 * step; on any failure the temp file is removed and `file` is left as it was.
 */
export async function replaceAtomically(file: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = tempPathFor(file);
  try {
    await write(tmp);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
