/**
 * Byte-identical photos in one session are sent once: the first claims the content (sha and job), later
 * copies wait for it and then reuse its answer from the journal, or get their own try if it failed.
 */
export class Claims {
  readonly #inProgress = new Map<string, Promise<void>>();

  has(key: string): boolean {
    return this.#inProgress.has(key);
  }

  /** Claims `key` (synchronously: an identical photo prepared at the same moment sees it); returns its release. */
  claim(key: string): () => void {
    let release!: () => void;
    this.#inProgress.set(key, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.#inProgress.delete(key);
      release();
    };
  }

  /** Resolves once the photo holding `key` is recorded or has failed (at once if none holds it). */
  async settled(key: string): Promise<void> {
    await this.#inProgress.get(key);
  }
}
