import type { ResolvedConfig } from './config.js';
import type { ServerKind } from '../send/endpoints/kind.js';
import type { PromptPlan } from '../prompt/presets.js';
import type { ReasoningChoice } from '../prompt/reasoning.js';
import type { SidecarNamingChoice } from '../outputs/sidecars/sidecar-naming.js';
import type { TierOptions } from '../send/flex-tier.js';

/**
 * The resolved, validated settings of a run or a watch: what the run use case reads. The CLI's
 * parseRunOptions produces one from flags, environment and .env: every flag's default is written once, in
 * the CLI's flag table (cli/flags/run-flags.ts), and the environment's in config.ts. A library user can
 * build one directly.
 */
export interface RunSpec {
  config: Pick<ResolvedConfig, 'apiKey' | 'baseURL' | 'model' | 'maxEdge' | 'maxEdgeExplicit'>;
  outDir: string;
  fallbackModels: string[];
  plan: PromptPlan;
  maxTokens: number;
  /** Whether max_tokens was chosen (else reasoning headroom may be added). */
  maxTokensExplicit: boolean;
  reasoning: ReasoningChoice;
  /** Whether the reasoning choice was given (then it is part of the job fingerprint). */
  reasoningExplicit: boolean;
  /** Requests in flight, or with autoConcurrency the ceiling. */
  concurrency: number;
  /** -c auto: start low and let the flow control find the concurrency the server takes. */
  autoConcurrency: boolean;
  quality: number;
  retries: number;
  timeoutMs: number;
  rpm?: number;
  maxCostUsd?: number;
  maxCostPerDayUsd?: number;
  waitForCreditsMs?: number;
  /** How long to queue behind another run on the same output folder. */
  waitLockMs?: number;
  modalities?: string[];
  contactSheet: boolean;
  force: boolean;
  sidecars: { kinds: ('xmp' | 'json' | 'txt')[]; inPlace: boolean; naming: SidecarNamingChoice; overwrite: boolean };
  delivery: { deliverDir?: string; contextFromMetadata: boolean };
  endpoint: { serverKind?: ServerKind; priceIn?: number; priceOut?: number; visionCheck: boolean; tier: TierOptions };
}
