import { bufferSource, openFile, type ByteSource, type OpenedFile } from './bytes.js';
import { detectFormat, type DetectedFormat } from './detect.js';
import type { RawKind } from './raw-preview.js';
import { ImageError } from '../errors.js';

/**
 * Runs `use` with the input's format, detected from its first bytes (a file name only breaks a tie
 * between TIFF and TIFF-based RAW), and, for the formats parsed here (HEIC, RAW), random access to
 * its bytes; sharp reads everything else itself. A file that cannot be opened gets format 'unknown':
 * sharp then reports it exactly as it always has ("File not found"…), so those messages stay in one place.
 */
export async function withSource<T>(
  input: Buffer | string,
  use: (src: ByteSource | undefined, format: DetectedFormat) => Promise<T>,
  nameHint?: string,
): Promise<T> {
  if (typeof input !== 'string') {
    const src = bufferSource(input);
    return use(src, detectFormat(src.head, nameHint));
  }
  let file: OpenedFile;
  try {
    file = await openFile(input);
  } catch (err) {
    // Not a regular file: sharp must not be handed it either (it would wait on a FIFO forever).
    if (err instanceof ImageError) throw err;
    return use(undefined, 'unknown');
  }
  const format = detectFormat(file.head, nameHint ?? input);
  if (format !== 'heic' && !isRawFormat(format)) {
    // sharp reads the file itself: do not keep it open meanwhile (dry runs read thousands of headers).
    await file.close().catch(() => undefined);
    return use(undefined, format);
  }
  try {
    return await use(await file.source(), format);
  } finally {
    await file.close().catch(() => undefined);
  }
}

export function isRawFormat(format: DetectedFormat): format is RawKind {
  return format === 'raw-tiff' || format === 'raf' || format === 'cr3';
}
