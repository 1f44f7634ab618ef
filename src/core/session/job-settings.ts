import type { BatchOptions } from './options.js';
import { jobFingerprint } from '../record/job.js';
import { familyFor, modelTargetSize, type FamilyInfo } from '../pricing/image-tokens.js';
import { planPrompt, type PromptPlan } from '../prompt/presets.js';
import { usesVar } from '../prompt/template.js';

/** What a session derives once from its options: the prompt plan, the request fields, and how a job is named. */
export interface JobSettings {
  plan: PromptPlan;
  family: FamilyInfo;
  fallbackModels: readonly string[];
  /** The prompt reads the photo's EXIF ({date}, {camera}): the original is parsed for it. */
  needsExif: boolean;
  /** Fields sent with every request (modalities, reasoning…). */
  requestExtra: Record<string, unknown> | undefined;
  /** The job fingerprint (resume key) of one photo's prompt. */
  jobFor(prompt: string): string;
  /** Names the prompt in sidecar provenance. */
  promptHash: string;
  /** The size to compress a photo to, from its own size. */
  target(w: number, h: number): { width: number; height: number };
}

export function jobSettings(opts: Omit<BatchOptions, 'photos'>): JobSettings {
  const fallbackModels = opts.fallbackModels ?? [];
  const plan = typeof opts.prompt === 'string' ? planPrompt({ customPrompt: opts.prompt }) : opts.prompt;
  // The reasoning field names the job only when the user chose it: the default must not make finished photos look new.
  const jobExtra = plan.extra || opts.requestExtra || opts.reasoning?.inJob
    ? { ...plan.extra, ...opts.requestExtra, ...(opts.reasoning?.inJob && opts.reasoning.field ? { reasoning: opts.reasoning.field } : {}) }
    : undefined;
  const requestExtra = opts.reasoning?.field ? { ...jobExtra, reasoning: opts.reasoning.field } : jobExtra;
  const family = familyFor(opts.model);
  const sizing = opts.maxEdgeExplicit ? `edge:${opts.maxEdge}` : `model:${opts.maxEdge}`;
  const extraKey = jobExtra === undefined ? '' : JSON.stringify(jobExtra);
  return {
    plan, family, fallbackModels, requestExtra,
    needsExif: usesVar(plan.template, 'date') || usesVar(plan.template, 'camera'),
    jobFor: (prompt) =>
      jobFingerprint({ model: opts.model, fallbackModels, prompt, maxTokens: opts.jobMaxTokens ?? opts.maxTokens, sizing, quality: opts.quality, extra: extraKey }),
    promptHash: jobFingerprint({ model: '', fallbackModels: [], prompt: plan.template, maxTokens: 0, sizing: '', quality: 0, extra: extraKey }),
    target: (w, h) => (opts.maxEdgeExplicit ? { width: opts.maxEdge, height: opts.maxEdge } : modelTargetSize(family, w, h, opts.maxEdge)),
  };
}
