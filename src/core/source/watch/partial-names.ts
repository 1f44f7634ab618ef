import path from 'node:path';

// Names tethering, browser and copy tools give a file while they write it, renamed when complete:
// Capture One and rsync (dot files), Windows Explorer and Office (~), Firefox (.part), Chrome (.crdownload),
// Safari (.download), many tools (.tmp).
const PARTIAL_SUFFIXES = ['.tmp', '.part', '.partial', '.download', '.crdownload'];

/** True for a file (or folder) name that a writer is still working on, or that is hidden. */
export function isPartialName(file: string): boolean {
  const base = path.basename(file).toLowerCase();
  if (base.startsWith('.') || base.startsWith('~')) return true;
  return PARTIAL_SUFFIXES.some((s) => base.endsWith(s));
}
