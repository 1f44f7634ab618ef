import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import type { PhotoRef } from '../../types.js';
import { UsageError } from '../../errors.js';
import { isPhotoPath, scanInputs } from '../scan.js';
import { PhotoQueue } from './photo-queue.js';
import { isPartialName } from './partial-names.js';
import { networkFileSystem } from './network-fs.js';

export interface WatchFolderOptions {
  /** The hot folder (watched recursively). */
  root: string;
  /** Never read: results, thumbnails and returned images land there. */
  outDir: string;
  /** Other output folders never read (e.g. --deliver). */
  alsoIgnore?: readonly string[];
  /** A new file is taken once its size has not changed for this long. */
  settleMs: number;
  /** true: poll (network shares); false: OS events; 'auto' (default): poll on a network file system. */
  poll?: boolean | 'auto';
  /** How often polling looks, in ms. */
  pollIntervalMs?: number;
  onWarning?: (message: string) => void;
  /** Only photos this returns true for (e.g. one --shard of several machines watching one share). */
  accept?: (photo: PhotoRef) => boolean;
}

export interface WatchedFolder {
  /** Photos already there first (sorted like `run`), then each new one once complete. */
  queue: PhotoQueue;
  /** Why polling is on ('--poll', or the network file system found), or undefined for OS events. */
  polling: string | undefined;
  /** Lets a photo that failed (e.g. it was still being written) be taken again when it changes. */
  retryOnChange(photoPath: string): void;
  close(): Promise<void>;
}

/**
 * A hot folder as a photo source, on chokidar: its awaitWriteFinish is the settle rule (size unchanged
 * for settleMs), its polling mode covers shares where change events never arrive. A file is queued on
 * `add` only: a photo rewritten in place (an editor saving metadata) is not paid for twice.
 */
function inside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export async function watchFolder(opts: WatchFolderOptions): Promise<WatchedFolder> {
  const root = path.resolve(opts.root);
  const outDir = path.resolve(opts.outDir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`Cannot watch ${opts.root}: not a folder. Pass the folder your camera or tethering tool writes to.`);
  if (inside(root, outDir)) throw new UsageError(`The output folder ${opts.outDir} holds the watched folder; pick an --out outside ${opts.root}, or inside it.`);
  const netFs = opts.poll === 'auto' || opts.poll === undefined ? await networkFileSystem(root) : undefined;
  const polling = opts.poll === true ? '--poll' : netFs === undefined ? undefined : `${netFs} network share`;

  const outputs = [outDir, ...(opts.alsoIgnore ?? []).map((d) => path.resolve(d))];
  const queue = new PhotoQueue();
  const seen = new Set<string>();
  const again = new Set<string>();
  const toRef = (abs: string): PhotoRef => ({ path: abs, file: path.relative(root, abs).split(path.sep).join('/') });
  const offer = (abs: string) => {
    if (seen.has(abs) || queue.ended) return;
    seen.add(abs);
    const ref = toRef(abs);
    if (!opts.accept || opts.accept(ref)) queue.push(ref);
  };

  const { watch } = await import('chokidar');
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    // Everything below root except the output folder and names still being written.
    ignored: (p: string) => (p !== root && isPartialName(p)) || outputs.some((dir) => inside(p, dir)),
    awaitWriteFinish: { stabilityThreshold: opts.settleMs, pollInterval: Math.max(20, Math.min(100, Math.round(opts.settleMs / 4))) },
    usePolling: polling !== undefined,
    interval: opts.pollIntervalMs ?? 1000,
    binaryInterval: opts.pollIntervalMs ?? 1000,
    followSymlinks: false,
  });
  const onFile = async (abs: string) => {
    if (!isPhotoPath(abs)) return;
    // FIFOs, devices and sockets are never photos, whatever their name.
    const st = await lstat(abs).catch(() => undefined);
    if (st?.isFile()) offer(abs);
  };
  watcher.on('add', (p) => void onFile(path.resolve(p)));
  watcher.on('change', (p) => {
    const abs = path.resolve(p);
    if (!again.delete(abs)) return;
    seen.delete(abs);
    void onFile(abs);
  });
  watcher.on('error', (err) => opts.onWarning?.(`watching ${opts.root}: ${(err as Error).message}`));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  // Existing photos after the watcher is ready, so a photo landing in between is caught by one or the other
  // (and `seen` keeps it from being queued twice).
  const existing = (await scanInputs([root], { outDir, cwd: root })).filter((p) => !outputs.some((dir) => inside(p.path, dir)));
  const timers = new Set<NodeJS.Timeout>();
  // A photo still being copied when the watch starts is taken once its size has settled, like a new one.
  const whenSettled = async (abs: string, last?: number) => {
    const st = await stat(abs).catch(() => undefined);
    if (!st || queue.ended) return;
    if (st.size === last && Date.now() - st.mtimeMs >= opts.settleMs) return offer(abs);
    const t = setTimeout(() => {
      timers.delete(t);
      void whenSettled(abs, st.size);
    }, opts.settleMs);
    timers.add(t);
  };
  for (const photo of existing) {
    if (photo.file.split('/').some(isPartialName)) continue;
    const st = await stat(photo.path).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs >= opts.settleMs) offer(photo.path);
    else void whenSettled(photo.path);
  }

  return {
    queue,
    polling,
    retryOnChange: (p) => void again.add(path.resolve(p)),
    close: async () => {
      queue.end();
      for (const t of timers) clearTimeout(t);
      await watcher.close();
    },
  };
}
