import { PhotobatchError } from '../errors.js';

/** errno codes that mean "the output cannot be written", not "photobatch has a bug". */
const OUTPUT_CODES: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'an I/O error from the disk',
  EFBIG: 'the file is too large for the file system',
  ENOTDIR: 'a path component is not a folder',
  EISDIR: 'a folder stands where a file was expected',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  ELOOP: 'a symbolic link stands where photobatch writes its own file (remove it)',
};

export function isOutputFailure(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && (err as NodeJS.ErrnoException).code! in OUTPUT_CODES;
}

/** What a user reads: the cause in words, with the errno code for searching. */
export function describeOutputFailure(err: NodeJS.ErrnoException): string {
  const code = err.code ?? 'EIO';
  return `${OUTPUT_CODES[code] ?? 'a write error'} (${code})`;
}

/**
 * Writing the results failed for an environmental reason (disk full, read-only folder, permissions).
 * The run stops starting requests; answers already paid for are kept where the message says.
 */
export class OutputWriteError extends PhotobatchError {
  readonly errno: string;
  constructor(message: string, errno: string, cause?: unknown) {
    super(message, { code: 'PHOTOBATCH_OUTPUT_WRITE', cause });
    this.errno = errno;
  }
}

/** stdout was closed by the reader (`photobatch run --json | head -1`). */
export class StdoutClosedError extends PhotobatchError {
  constructor() {
    super('stdout was closed by the reader', { code: 'PHOTOBATCH_EPIPE' });
  }
}
