/**
 * Shared data shapes of the core. The results.jsonl and cost-report.json field names are a
 * public contract that scripts rely on: add fields, never rename them.
 */

/** Stable machine words for why a photo (or a run) failed. */
export type ErrorKind =
  | 'rate_limited'
  | 'out_of_credits'
  | 'auth'
  | 'moderation'
  | 'refused'
  | 'key_limit'
  | 'workspace_budget'
  | 'guardrail'
  | 'region_blocked'
  | 'provider_settings'
  | 'bad_request'
  | 'model_unavailable'
  | 'timeout'
  | 'network'
  | 'server'
  | 'invalid_image'
  | 'unreadable'
  | 'too_large'
  | 'empty_response'
  | 'invalid_output'
  | 'interrupted';

/** A photo found by the scan. */
export interface PhotoRef {
  /** Absolute path. */
  path: string;
  /** Path relative to the input root it was found under (or the basename for a file input). */
  file: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  /**
   * USD this answer really cost: OpenRouter's `usage.cost`, plus for bring-your-own-key answers the provider's
   * `cost_details.upstream_inference_cost` (openrouter-api.md §2.2). null when the API did not report it.
   */
  cost_usd: number | null;
  /** Part of completion_tokens spent on reasoning (billed as output). */
  reasoning_tokens?: number;
  /** What OpenRouter took from the credits (`usage.cost`), when it differs from cost_usd (BYOK). */
  openrouter_cost_usd?: number;
  /** What the provider billed on your own key (`cost_details.upstream_inference_cost`), BYOK only. */
  upstream_cost_usd?: number;
  is_byok?: boolean;
  /** Billed answers summed here (a re-ask after an unusable answer makes 2). */
  requests?: number;
}

export interface RecordError {
  kind: ErrorKind;
  http_status: number | null;
  message: string;
}

/** One line of results.jsonl. */
export interface ResultRecord {
  file: string;
  path: string;
  sha256?: string;
  status: 'ok' | 'failed';
  /** The model that answered (may differ from the requested one with fallbacks). */
  model?: string;
  /** The answer: text, or the parsed object for structured output (presets, --schema). */
  output?: string | Record<string, unknown>;
  /** The raw answer text when it failed validation (kind invalid_output). */
  raw_output?: string;
  usage?: Usage;
  attempts: number;
  generation_id?: string;
  ms?: number;
  error?: RecordError;
  /** What was sent: pixel size and bytes of the prepared JPEG. */
  sent?: { width: number; height: number; bytes: number };
  /** Estimated image tokens for the sent size under the requested model's family. */
  image_tokens?: number;
  /** Pre-flight estimate of this photo's cost at the expected output length (USD), when known. */
  estimated_cost_usd?: number | null;
  /** Sidecar files written for this photo (XMP, JSON, TXT). */
  sidecars?: string[];
  /** Files written by --deliver for this photo (the copy, and its sidecar for RAW/HEIC). */
  delivered?: string[];
  /** Why a sidecar could not be written (the answer itself is fine). */
  sidecar_error?: string;
  /** Images the model returned, saved in --out (paths relative to it). */
  images?: string[];
  /** Set when this photo's bytes were already answered (same content, same job): no request was made. */
  duplicate_of?: string;
  /** Set when this photo was answered before under another path that no longer exists (a moved folder): it replaces that path. */
  moved_from?: string;
  /** The service tier that served the request (`default`, `flex`, …; openrouter-api.md §15); null when not said. */
  service_tier?: string | null;
  /** Where usage.cost_usd came from: `usage` (the answer), `header` (LiteLLM), `self_priced` (--price-in/--price-out). */
  cost_source?: 'usage' | 'header' | 'self_priced';
  /** Fingerprint of model, prompt and settings: resume skips only when it matches. */
  job: string;
  /** ISO time the record was written. */
  at: string;
}
