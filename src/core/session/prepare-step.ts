import type { LimitFunction } from 'p-limit';
import { THUMB_MAX_PX } from '../outputs/contact-sheet/thumbnail.js';
import { preparePhoto, type PreparedPhoto } from '../images/prepare.js';
import { readInputFile } from '../images/read-input.js';
import { sha256Hex } from '../record/job.js';
import type { Journal } from '../record/journal.js';
import { pathTemplateVars, readTemplateVars } from '../prompt/template.js';
import type { PhotoRef, ResultRecord } from '../types.js';
import type { Claims } from './claims.js';
import type { JobSettings } from './job-settings.js';

/** One photo after reading: its content and job, and either its earlier answer or the compressed image to send. */
export interface PhotoStep {
  sha: string;
  job: string;
  prompt: string;
  done?: ResultRecord;
  prepared?: PreparedPhoto;
  /** Lets identical photos waiting on this one go on. */
  unclaim?: () => void;
}

export interface PrepareContext {
  settings: JobSettings;
  journal: Journal;
  claims: Claims;
  /** Reading, hashing and compressing share this small pool, so at most a few originals sit in memory. */
  limit: LimitFunction;
  maxEdge: number;
  quality: number;
  maxInputBytes: number | undefined;
  force: boolean;
  /** Also make the contact sheet's thumbnail from the same decode. */
  thumbnails: boolean;
  metadataContext: ((photo: PhotoRef) => Promise<string | undefined>) | undefined;
  isStopped: () => boolean;
  onPrepared: (photo: PhotoRef, sha: string, prepared: PreparedPhoto) => void;
}

/**
 * Reads, hashes and (unless it is already answered or being answered) compresses one photo. With
 * `mayReuse`, a photo whose bytes are answered, or being answered for another file, comes back with
 * neither `prepared` nor a claim: the caller waits for that answer.
 */
export function preparePhotoStep(ctx: PrepareContext, photo: PhotoRef, mayReuse: boolean): Promise<PhotoStep> {
  return ctx.limit(async (): Promise<PhotoStep> => {
    const original = await readInputFile(photo.path, ctx.maxInputBytes);
    const sha = sha256Hex(original);
    const vars = ctx.settings.needsExif ? await readTemplateVars(photo, original) : pathTemplateVars(photo);
    if (ctx.metadataContext) {
      const metadata = await ctx.metadataContext(photo);
      if (metadata) vars.metadata = metadata;
    }
    const prompt = ctx.settings.plan.prompt(vars);
    const job = ctx.settings.jobFor(prompt);
    const done = ctx.force ? undefined : ctx.journal.findDone(sha, job, photo.file);
    const key = claimKey(sha, job);
    if (mayReuse && (done || ctx.claims.has(key) || ctx.isStopped())) return { sha, job, prompt, ...(done ? { done } : {}) };
    // Claimed before any await, so an identical photo prepared at the same moment waits for this one.
    const unclaim = ctx.claims.claim(key);
    try {
      const prepared = await preparePhoto(original, {
        maxEdge: ctx.maxEdge, quality: ctx.quality, target: ctx.settings.target, fileName: photo.path, ...(ctx.thumbnails ? { thumbnailPx: THUMB_MAX_PX } : {}),
      });
      ctx.onPrepared(photo, sha, prepared);
      return { sha, job, prompt, prepared, unclaim };
    } catch (err) {
      unclaim();
      throw err;
    }
  });
}

export function claimKey(sha: string, job: string): string {
  return `${sha}:${job}`;
}
