import { writeThumbnail } from '../../outputs/contact-sheet/index.js';
import type { OutputSink } from './sink.js';

/**
 * The contact sheet's thumbnails, written while the photo is sent: off the critical path, all finished
 * before the sheet is built. A thumbnail that cannot be written is a warning, never a lost answer.
 */
export function createThumbnailSink(outDir: string, warn: (message: string) => void): OutputSink {
  const pending = new Set<Promise<void>>();
  return {
    onPrepared(photo, sha, prepared) {
      const write = writeThumbnail(outDir, sha, prepared.data, prepared).then(
        () => undefined,
        (err: Error) => warn(`${photo.file}: no thumbnail for report.html (${err.message})`),
      );
      pending.add(write);
      void write.finally(() => pending.delete(write));
    },
    async close() {
      await Promise.all(pending);
    },
  };
}
