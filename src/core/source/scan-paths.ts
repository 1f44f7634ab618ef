import path from 'node:path';

/** Whether `child` is `parent` or below it. */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/**
 * The scan's order: JS string order (UTF-16 code units), the same on every machine and locale. It is UTF-8 byte
 * order but for one case: a character above U+FFFF (a surrogate pair, D800–DBFF first) sorts before U+E000–U+FFFF.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
