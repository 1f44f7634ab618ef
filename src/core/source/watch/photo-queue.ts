import type { PhotoRef } from '../../types.js';

/**
 * An endless photo source: photos are pushed as they become complete and pulled by the batch's
 * workers. `end()` closes it (Ctrl-C, budget reached); what was still waiting is left for the next run.
 */
export class PhotoQueue implements AsyncIterable<PhotoRef> {
  private readonly items: PhotoRef[] = [];
  private readonly waiters: ((r: IteratorResult<PhotoRef>) => void)[] = [];
  private closed = false;
  /** Photos pulled so far. */
  taken = 0;

  /** Photos complete on disk and not yet taken by a worker. */
  get waiting(): number {
    return this.items.length;
  }

  get ended(): boolean {
    return this.closed;
  }

  push(photo: PhotoRef): void {
    if (this.closed) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.taken++;
      waiter({ value: photo, done: false });
    } else {
      this.items.push(photo);
    }
  }

  end(): void {
    this.closed = true;
    this.items.length = 0;
    for (const w of this.waiters.splice(0)) w({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<PhotoRef> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item) {
          this.taken++;
          return Promise.resolve({ value: item, done: false });
        }
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.waiters.push(resolve));
      },
    };
  }
}
