import { createHash } from 'node:crypto';

/** NAME_MAX on Linux, macOS and Windows file systems: 255 (bytes on ext4, UTF-16 units on NTFS/APFS). */
const NAME_MAX_BYTES = 255;

/**
 * `base + suffix` as one file name that the file system accepts. A photo named with 250 bytes plus
 * `.xmp` would fail with ENAMETOOLONG: the base is shortened on a character boundary and a hash
 * of the full name keeps two long names that share a beginning apart.
 */
export function fitFileName(base: string, suffix: string): string {
  const whole = base + suffix;
  if (Buffer.byteLength(whole) <= NAME_MAX_BYTES) return whole;
  const tag = `~${createHash('sha256').update(base).digest('hex').slice(0, 10)}`;
  const budget = NAME_MAX_BYTES - Buffer.byteLength(tag + suffix);
  let cut = '';
  for (const ch of base) {
    if (Buffer.byteLength(cut + ch) > budget) break;
    cut += ch;
  }
  return cut + tag + suffix;
}
