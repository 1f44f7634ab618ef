/** The real readers that metadata is proven with: ExifTool (bundled by exiftool-vendored) and exiv2 (Debian). */
import { execFileSync, spawnSync } from 'node:child_process';
import sharp from 'sharp';

export const HAVE_EXIV2 = spawnSync('exiv2', ['--version']).status === 0;
// CI installs exiv2 (.ci/run sets PHOTOBATCH_REQUIRE_EXIV2): there, a missing reader is a failure, not a silent skip.
if (!HAVE_EXIV2 && process.env.PHOTOBATCH_REQUIRE_EXIV2) throw new Error('exiv2 is missing; .ci/run installs it from Debian (apt-get install exiv2)');

export function exiv2Version(): string {
  return HAVE_EXIV2 ? execFileSync('exiv2', ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim() : 'missing';
}

/** `exiv2 -pa` (or -px for the raw XMP packet) as "Key → value" entries, several values per repeated key. */
export function exiv2Tags(file: string): Map<string, string[]> {
  const text = execFileSync('exiv2', ['-q', '-pa', file], { encoding: 'utf8' });
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+\S+\s+\d+\s+(.*)$/.exec(line);
    if (!m) continue;
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

/** The JPEG's entropy-coded data: everything from the first start-of-scan marker on. */
export function jpegScanData(buf: Buffer): Buffer {
  if (buf[0] !== 0xff || buf[1] !== 0xd8) throw new Error('not a JPEG');
  let o = 2;
  while (o + 4 <= buf.length) {
    if (buf[o] !== 0xff) throw new Error(`bad marker at ${o}`);
    const marker = buf[o + 1]!;
    if (marker === 0xda) return buf.subarray(o);
    o += 2 + buf.readUInt16BE(o + 2);
  }
  throw new Error('no start of scan');
}

/** Decoded pixels, without any orientation applied (what is stored). */
export async function decodedPixels(file: string | Buffer): Promise<Buffer> {
  return sharp(file, { autoOrient: false }).raw().toBuffer();
}
