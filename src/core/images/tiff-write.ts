/**
 * A baseline, uncompressed, single-strip TIFF header for pixels decoded outside sharp (HEIC). TIFF,
 * not sharp's raw-pixel input, because TIFF carries what raw input cannot: the ICC profile (iPhone
 * photos are Display P3, converted to sRGB by the normal pipeline) and the Orientation tag (applied by
 * sharp's autoOrient after the resize, on the small image). The pixels follow the header in the same
 * buffer, so no 36–48 MB copy is made to join them.
 */
export interface TiffLayout {
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGB + unassociated alpha), 8 bits each. */
  channels: 3 | 4;
  /** EXIF orientation 1–8. */
  orientation: number;
  icc?: Buffer;
}

const MAX_ENTRIES = 14;

/** Bytes to leave in front of the pixels for the header (depends only on the ICC profile's length). */
export function tiffHeaderBytes(iccLength: number): number {
  // One strip: libvips reads an uncompressed strip by scanlines (measured: 64 strips save ~5 MB, not 36).
  const fixed = 8 + 2 + MAX_ENTRIES * 12 + 4 + 8; // header, IFD, next-IFD pointer, BitsPerSample array
  return Math.ceil((fixed + iccLength) / 16) * 16;
}

/** Writes the header into `out`, whose pixels start at tiffHeaderBytes(icc length). */
export function writeTiffHeader(out: Buffer, layout: TiffLayout): void {
  const { width, height, channels, orientation, icc } = layout;
  const pixelsAt = tiffHeaderBytes(icc?.length ?? 0);
  const pixelBytes = width * height * channels;
  if (out.length < pixelsAt + pixelBytes) throw new RangeError('TIFF buffer too small for its pixels');
  const entries: [tag: number, type: number, count: number, value: number][] = [];
  // Out-of-line data goes after the IFD: BitsPerSample (8,8,8[,8]) then the ICC profile.
  const n = 12 + (channels === 4 ? 1 : 0) + (icc ? 1 : 0);
  const bpsAt = 8 + 2 + n * 12 + 4;
  const iccAt = bpsAt + 8;
  entries.push(
    [256, 4, 1, width], // ImageWidth
    [257, 4, 1, height], // ImageLength
    [258, 3, channels, bpsAt], // BitsPerSample
    [259, 3, 1, 1], // Compression: none
    [262, 3, 1, 2], // Photometric: RGB
    [273, 4, 1, pixelsAt], // StripOffsets
    [274, 3, 1, orientation], // Orientation
    [277, 3, 1, channels], // SamplesPerPixel
    [278, 4, 1, height], // RowsPerStrip: one strip
    [279, 4, 1, pixelBytes], // StripByteCounts
    [284, 3, 1, 1], // PlanarConfiguration: chunky
    [296, 3, 1, 1], // ResolutionUnit: none (so no X/YResolution are needed)
  );
  if (channels === 4) entries.push([338, 3, 1, 2]); // ExtraSamples: unassociated alpha
  if (icc) entries.push([34675, 7, icc.length, iccAt]); // ICCProfile
  out.fill(0, 0, pixelsAt);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(8, 4);
  out.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, count, value], i) => {
    const at = 10 + i * 12;
    out.writeUInt16LE(tag, at);
    out.writeUInt16LE(type, at + 2);
    out.writeUInt32LE(count, at + 4);
    // SHORT values that fit inline sit in the first two bytes; everything else is a LONG or an offset.
    if (type === 3 && count === 1) out.writeUInt16LE(value, at + 8);
    else out.writeUInt32LE(value, at + 8);
  });
  // next IFD pointer stays 0
  for (let c = 0; c < channels; c++) out.writeUInt16LE(8, bpsAt + c * 2);
  if (icc) icc.copy(out, iccAt);
}
