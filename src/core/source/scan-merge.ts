import { PhotoList } from './photo-list.js';
import { compareStrings } from './scan-paths.js';

/**
 * One sorted list of the photos of several sorted lists (one per input, in the order given), each path once: a photo
 * reached from two inputs (a folder and its sub-folder, a file named twice) keeps the `file` of the first input that
 * has it, as when inputs were scanned one after another into one map. A single list is returned as it is.
 * Halves are merged recursively: n·log(k) steps for k lists, never n·k.
 */
export function mergeSorted(lists: readonly PhotoList[]): PhotoList {
  if (lists.length === 0) return new PhotoList();
  if (lists.length === 1) return lists[0]!;
  const mid = lists.length >> 1;
  return mergeTwo(mergeSorted(lists.slice(0, mid)), mergeSorted(lists.slice(mid)));
}

/** `first` wins a tie: its inputs came first. */
function mergeTwo(first: PhotoList, second: PhotoList): PhotoList {
  const out = new PhotoList();
  let i = 0;
  let j = 0;
  let a = first.at(0);
  let b = second.at(0);
  while (a !== undefined || b !== undefined) {
    const order = a === undefined ? 1 : b === undefined ? -1 : compareStrings(a.path, b.path);
    if (order <= 0) {
      out.add(a!.path, a!.file);
      a = first.at(++i);
    }
    if (order >= 0) {
      if (order > 0) out.add(b!.path, b!.file);
      b = second.at(++j);
    }
  }
  return out;
}
