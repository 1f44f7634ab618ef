import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.js';

/** A prompt, schema or keyword list is text a person wrote: 16 MiB is far above any of them. */
export const MAX_OPTION_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Reads the file a flag names (--prompt-file, --schema, --vocabulary) only if it is a regular file of sane size, by
 * the same rule as photos: opened non-blocking (a FIFO cannot hang start-up), checked with fstat on the descriptor
 * (a link to /dev/zero cannot fill the memory). Any failure is a one-line usage error naming the flag.
 */
export function readOptionFile(cwd: string, file: string, flag: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path.resolve(cwd, file), constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0));
  } catch {
    throw new UsageError(`Cannot read ${flag} ${file}; check the path.`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UsageError(`${flag} ${file} is not a regular file; pass a text file.`);
    if (st.size > MAX_OPTION_FILE_BYTES) throw new UsageError(`${flag} ${file} is ${Math.ceil(st.size / 1048576)} MiB, above the 16 MiB limit; pass the text file itself.`);
    return readFileSync(fd);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`Cannot read ${flag} ${file}; check the path.`);
  } finally {
    closeSync(fd);
  }
}
