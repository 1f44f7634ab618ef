/**
 * Why this exists: libvips keeps ONE error buffer for the whole process, and every sharp call
 * clears it when it ends (`vips_error_clear()` in sharp's pipeline.cc and metadata.cc). When
 * photos are prepared concurrently, a failing decode can read the buffer after another photo's
 * call has cleared it (sharp then reports "Unknown error") or while it still holds another
 * photo's text. So the same broken file got a different message from one run to the next.
 *
 * The gate makes the message stable without serialising the good photos: every sharp call runs
 * `shared` (many at once); a call that failed is run once more `exclusive` (alone, after those in
 * flight have finished), where the buffer holds only its own error. Failures are rare, so the
 * pause costs nothing on a normal batch.
 */

type Waiter = { exclusive: boolean; start: () => void };

let active = 0;
let exclusiveActive = false;
const queue: Waiter[] = [];

function pump(): void {
  while (queue.length > 0 && !exclusiveActive) {
    const next = queue[0]!;
    if (next.exclusive) {
      if (active > 0) return;
      queue.shift();
      exclusiveActive = true;
      next.start();
      return;
    }
    queue.shift();
    active++;
    next.start();
  }
}

async function withGate<T>(exclusive: boolean, work: () => Promise<T>): Promise<T> {
  // Shared calls only wait while an exclusive one runs or waits (FIFO, so it is never starved).
  if (!exclusive && !exclusiveActive && queue.length === 0) {
    active++;
  } else {
    await new Promise<void>((start) => {
      queue.push({ exclusive, start });
      pump();
    });
  }
  try {
    return await work();
  } finally {
    if (exclusive) exclusiveActive = false;
    else active--;
    pump();
  }
}

/** Runs a sharp call alongside others. */
export function vipsShared<T>(work: () => Promise<T>): Promise<T> {
  return withGate(false, work);
}

/**
 * Runs `work` (a sharp call that just failed) again with no other sharp call in flight, so its
 * error text is its own. Resolves to the result when it succeeds this time, else to the new error.
 */
export function vipsRetryAlone<T>(work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  // Promise.resolve().then: sharp's constructor throws synchronously for some inputs (an empty buffer).
  return withGate(true, () => Promise.resolve().then(work).then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error })));
}
