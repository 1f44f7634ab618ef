import { saveAiImages } from '../../outputs/ai-images.js';
import type { Deliverer } from '../../outputs/deliver/deliver.js';
import type { PromptPlan } from '../../prompt/presets.js';
import type { OutputManifest } from '../../safety/output-manifest.js';
import type { Provenance, SidecarFields, SidecarWriter } from '../../outputs/sidecars/index.js';
import type { PhotoRef, ResultRecord } from '../../types.js';
import { oneLine } from '../records.js';
import type { OutputSink } from './sink.js';

export interface PhotoFilesOptions {
  outDir: string;
  model: string;
  manifest: OutputManifest;
  plan: PromptPlan;
  promptHash: string;
  sidecars?: SidecarWriter;
  deliverer?: Deliverer;
  warn: (message: string) => void;
}

export interface PhotoFiles extends OutputSink {
  /**
   * Writes an answer's files (returned images, delivered copy, sidecars) and names them in the record,
   * before the record is written: results.jsonl lists only files that exist. A failure is a warning,
   * never a lost answer.
   */
  attach(record: ResultRecord, photo: PhotoRef, images: readonly string[], fields: SidecarFields): Promise<void>;
  /** Re-running with --deliver (re)writes the delivered copy from an answer already paid for. */
  redeliver(photo: PhotoRef, done: ResultRecord): void;
}

/** The per-photo writers of a session: returned images, sidecars and delivered copies. */
export function createPhotoFiles(opts: PhotoFilesOptions): PhotoFiles {
  const pending: Promise<unknown>[] = [];
  const deliver = async (photo: PhotoRef, fields: SidecarFields, provenance: Provenance) => {
    try {
      return await opts.deliverer!.deliver(photo, fields, provenance);
    } catch (err) {
      opts.warn(`${photo.file}: not delivered (${oneLine('unreadable', (err as Error).message).message})`);
      return undefined;
    }
  };
  return {
    // Sidecar names are decided as photos arrive, in the source's order (see sidecars/unique-names.ts).
    onTake: (photo) => opts.sidecars?.arrive?.(photo),
    async attach(record, photo, images, fields) {
      try {
        if (images.length > 0) {
          record.images = await saveAiImages(opts.outDir, photo.file, images, {
            manifest: opts.manifest, photoPath: photo.path, provenance: { model: record.model ?? opts.model, date: record.at },
          });
        }
      } catch (err) {
        opts.warn(`${photo.file}: could not save the returned image (${(err as Error).message})`);
      }
      const provenance = { model: record.model ?? opts.model, promptHash: opts.promptHash, costUsd: record.usage?.cost_usd ?? null, date: record.at };
      if (opts.deliverer) {
        const delivered = await deliver(photo, fields, provenance);
        if (delivered) record.delivered = delivered;
      }
      if (!opts.sidecars) return;
      try {
        record.sidecars = await opts.sidecars.write(photo, fields, provenance);
      } catch (err) {
        record.sidecar_error = oneLine('unreadable', (err as Error).message).message;
        opts.warn(`${photo.file}: sidecar not written (${record.sidecar_error})`);
      }
    },
    redeliver(photo, done) {
      if (!opts.deliverer) return;
      pending.push((async () => {
        const parsed = done.output === undefined ? undefined : opts.plan.parse(typeof done.output === 'string' ? done.output : JSON.stringify(done.output));
        if (!parsed?.ok) return;
        await deliver(photo, parsed.fields, { model: done.model ?? opts.model, promptHash: opts.promptHash, costUsd: done.usage?.cost_usd ?? null, date: done.at });
      })());
    },
    async close() {
      await Promise.allSettled(pending);
    },
  };
}
