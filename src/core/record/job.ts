import { createHash } from 'node:crypto';

/** Everything that changes what the model is asked: if any of it changes, a finished photo is done again. */
export interface JobSpec {
  model: string;
  fallbackModels: readonly string[];
  prompt: string;
  maxTokens: number;
  /** How the photo is sized: model-aware under a ceiling, or an explicit edge. */
  sizing: string;
  quality: number;
  /** Structured-output schema, modalities and the like, already serialised. */
  extra?: string;
}

export function jobFingerprint(spec: JobSpec): string {
  const canonical = JSON.stringify([
    spec.model,
    [...spec.fallbackModels],
    spec.prompt,
    spec.maxTokens,
    spec.sizing,
    spec.quality,
    spec.extra ?? '',
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
