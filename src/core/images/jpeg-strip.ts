/**
 * Drops a JPEG's metadata without touching its pixels: every APPn segment (EXIF with GPS, XMP, ICC, IPTC,
 * maker notes; APP0 JFIF too) and comments are removed, the frame, tables and entropy-coded data are
 * copied byte for byte. APP14 (Adobe) is kept: it says how to read the colour channels. A photo that needs
 * no resize, rotation or colour conversion is then sent as the camera encoded it, with no second lossy
 * encode and a fraction of the CPU. Returns undefined for anything it does not fully understand (no SOS,
 * no EOI at the end, a segment running past the data), so the caller re-encodes instead.
 */
export function stripJpegMetadata(jpeg: Buffer): Buffer | undefined {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined;
  // A truncated file (a card pulled out mid-write) has no EOI; it must reach the decoder, which rejects it.
  if (jpeg[jpeg.length - 2] !== 0xff || jpeg[jpeg.length - 1] !== 0xd9) return undefined;
  const keep: Buffer[] = [jpeg.subarray(0, 2)];
  let pos = 2;
  for (let i = 0; i < 512; i++) {
    if (pos + 4 > jpeg.length || jpeg[pos] !== 0xff) return undefined;
    const marker = jpeg[pos + 1]!;
    if (marker === 0xff) { pos += 1; continue; }
    if (marker === 0xd8 || marker === 0xd9 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) return undefined;
    const len = jpeg.readUInt16BE(pos + 2);
    if (len < 2 || pos + 2 + len > jpeg.length) return undefined;
    if (marker === 0xda) {
      keep.push(jpeg.subarray(pos)); // the scan(s) and everything after, as they are
      return Buffer.concat(keep);
    }
    const isApp = marker >= 0xe0 && marker <= 0xef;
    if (!(isApp && marker !== 0xee) && marker !== 0xfe) keep.push(jpeg.subarray(pos, pos + 2 + len));
    pos += 2 + len;
  }
  return undefined;
}
