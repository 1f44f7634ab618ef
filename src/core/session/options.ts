import type { PhotoRef, ResultRecord } from '../types.js';
import type { StopReason } from '../errors.js';
import type { OpenRouterClient } from '../send/openrouter/client.js';
import type { SenderEvent } from '../send/openrouter/sender.js';
import type { ModelPrice } from '../pricing/prices.js';
import type { PromptPlan } from '../prompt/presets.js';
import type { SidecarWriter } from '../outputs/sidecars/index.js';
import type { CostReport } from '../outputs/report.js';
import type { RetryPolicy } from '../send/retry-policy.js';
import type { TierOptions } from '../send/flex-tier.js';
import type { OutputManifest } from '../safety/output-manifest.js';
import type { PhotoSource } from '../source/photo-source.js';
import type { OutputSink } from './sinks/sink.js';

/** What a run is given (`runBatch`'s options); a session takes all of it but the photos. */
export interface BatchOptions {
  /** A list, or an async source that keeps yielding photos (a watched folder) until it ends. */
  photos: PhotoSource;
  outDir: string;
  client: OpenRouterClient;
  model: string;
  fallbackModels?: readonly string[];
  /** A prompt (it may use {filename}, {folder}, {date}, {camera}, {context}), or a plan from planPrompt(). */
  prompt: string | PromptPlan;
  maxTokens: number;
  /**
   * The max_tokens that names the job (resume key), when it differs from what is sent: the automatic reasoning
   * headroom is added to the request but must not make an upgraded photobatch pay again for finished photos.
   */
  jobMaxTokens?: number;
  /** Requests in flight; with autoConcurrency, the ceiling (--max-concurrency). */
  concurrency: number;
  /** -c auto: start low and find the level the provider sustains (see openrouter/auto-concurrency.ts). */
  autoConcurrency?: boolean;
  retries: number;
  /** Retry and second-chance rules (default DEFAULT_RETRY_POLICY); `retries` above sets its retries. */
  retryPolicy?: RetryPolicy;
  quality: number;
  /** Ceiling for the longest edge; with `maxEdgeExplicit` it is the size itself, not model-aware. */
  maxEdge: number;
  maxEdgeExplicit?: boolean;
  force?: boolean;
  rpm?: number;
  /** Hard cap in USD on everything billed into outDir, across runs. */
  maxCostUsd?: number;
  /** Hard cap in USD on what is billed into outDir per local calendar day. */
  maxCostPerDayUsd?: number;
  /** Price of the requested model, for per-photo estimates and the budget. */
  price?: ModelPrice;
  /** Average completion tokens seen before, for the estimate at expected output length. */
  expectedOutputTokens?: number;
  /** Billed answers per photo seen before (re-asks), for the estimate. */
  expectedRequestsPerPhoto?: number;
  /**
   * The `reasoning` field to send (see reasoning.ts) and its expected tokens. Part of the job fingerprint only when
   * the user chose it (`inJob`), so the default setting does not make finished photos look new.
   */
  reasoning?: { field?: Record<string, unknown>; expectedTokens: number; inJob: boolean };
  /** Poll /key until credits return instead of stopping; the longest wait in ms. */
  waitForCreditsMs?: number;
  /** Extra request fields (e.g. modalities); part of the job fingerprint. */
  requestExtra?: Record<string, unknown>;
  /** Writes XMP/JSON/TXT sidecars for each answer; the caller closes it. */
  sidecars?: SidecarWriter;
  /** --deliver: a copy of each answered photo with the results embedded; done photos are delivered again for free. */
  deliverer?: import('../outputs/deliver/deliver.js').Deliverer;
  /** --context-from-metadata: the photo's own metadata as prompt context (the `metadata` template variable). */
  metadataContext?: (photo: PhotoRef) => Promise<string | undefined>;
  /** report.html with thumbnails in outDir (default true). */
  contactSheet?: boolean;
  /** First abort: start nothing new, let in-flight requests finish (for at most graceMs). */
  stopSignal?: AbortSignal;
  /** Abort in-flight requests at once. */
  abortSignal?: AbortSignal;
  graceMs?: number;
  onEvent?: (event: BatchEvent) => void;
  /** Keep this run's records for BatchResult.records (default true). The CLI turns it off unless it needs them, so memory stays flat. */
  keepRecords?: boolean;
  /** --tier flex: service_tier "flex" on every request, and what to do when flex capacity is refused. */
  tier?: TierOptions;
  /** Injected for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  creditPollMs?: number;
  /** Files photobatch created in outDir (shared with the sidecar writer); made here when not given. */
  manifest?: OutputManifest;
  /** Largest photo read, in bytes (default MAX_INPUT_BYTES, 512 MiB). */
  maxInputBytes?: number;
  /** How long to wait for another run holding outDir (--wait-lock); default: fail at once. */
  lockWaitMs?: number;
  /** More outputs, told about each photo as it goes (e.g. `--json` lines); closed when the run ends. */
  sinks?: readonly OutputSink[];
  /**
   * Keep cost-report.json, cost-report.csv and report.html current while the run goes on (a watch: the live
   * gallery, newest photos first, reloading itself every `refreshSeconds`; at most one rewrite per `minIntervalMs`,
   * default 1000). The final reports are written when the run ends either way.
   */
  liveReports?: { refreshSeconds: number; minIntervalMs?: number };
}

export type BatchEvent =
  | { type: 'start'; total: number }
  | { type: 'taken'; photo: PhotoRef }
  | { type: 'record'; record: ResultRecord }
  | { type: 'skipped'; record: ResultRecord }
  | { type: 'stopping'; reason: BatchStopReason; message: string }
  | { type: 'warning'; message: string }
  | { type: 'sender'; event: SenderEvent };

/** Why a run ended early: the API's reasons, Ctrl-C, an unwritable --out, or stdout closed by its reader. */
export type BatchStopReason = StopReason | 'interrupted' | 'output_failed' | 'stdout_closed';

export interface BatchResult {
  report: CostReport;
  /** Records this run wrote (empty with keepRecords: false). */
  records: ResultRecord[];
  /** Lines of results.jsonl that were not photobatch records (torn, foreign, malformed): skipped. */
  skippedLines: number;
  stopped?: { reason: BatchStopReason; message: string };
  reportFile: string;
  /**
   * Paid answers that could not be added to results.jsonl (disk full, read-only): where they were
   * saved instead (`file`), or the records themselves when even that failed.
   */
  unsaved?: { file?: string; records: ResultRecord[] };
}
