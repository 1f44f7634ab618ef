/**
 * photobatch as a library: the same core the CLI uses, with no terminal in it.
 * scan → prepare → send → record → report.
 */
export * from './core/types.js';
export * from './core/errors.js';
export { resolveConfig, DEFAULT_BASE_URL, DEFAULT_MODEL, DEFAULT_PROMPT, DEFAULT_MAX_IMAGE_SIZE } from './core/run/config.js';
export type { ResolvedConfig, ConfigFlags, EnvLike } from './core/run/config.js';
export { scanInputs, isPhotoPath, PHOTO_EXTENSIONS } from './core/source/scan.js';
export { preparePhoto } from './core/images/prepare.js';
export type { PrepareOptions, PreparedPhoto } from './core/images/prepare.js';
export { readImageHeader } from './core/images/header.js';
export { OpenRouterClient } from './core/send/openrouter/client.js';
export type { ClientOptions, ChatBody, ChatSuccess, KeyInfo } from './core/send/openrouter/client.js';
export { ApiError } from './core/send/openrouter/api-error.js';
export { createSender } from './core/send/openrouter/sender.js';
export { runBatch } from './core/session/run-batch.js';
export type { BatchOptions, BatchResult, BatchEvent } from './core/session/run-batch.js';
export type { OutputSink } from './core/session/sinks/sink.js';
export { estimateDryRun } from './core/run/dry-run.js';
export type { DryRunEstimate, DryRunOptions } from './core/run/dry-run.js';
export { openJournal, readRecords, RESULTS_FILE } from './core/record/journal.js';
export { currentResults, outputText } from './core/record/current-results.js';
export { buildReport, latestByPath, COST_REPORT_FILE, COST_CSV_FILE } from './core/outputs/report.js';
export type { CostReport } from './core/outputs/report.js';
export { Budget } from './core/pricing/budget.js';
export { familyFor, imageTokens, modelTargetSize } from './core/pricing/image-tokens.js';
export { estimatePhoto } from './core/pricing/estimate.js';
export { loadPrices, loadSnapshot, findPrice } from './core/pricing/prices.js';
export type { ModelPrice } from './core/pricing/prices.js';
export { openRun, batchSettings, openPhotoOutputs } from './core/run/prepare-run.js';
export type { RunHooks, RunSetup } from './core/run/prepare-run.js';
export type { RunSpec } from './core/run/spec.js';
export type { PhotoSource } from './core/source/photo-source.js';
export { watchFolder } from './core/source/watch/watch-folder.js';
export type { WatchFolderOptions, WatchedFolder } from './core/source/watch/watch-folder.js';
export { PhotoQueue } from './core/source/watch/photo-queue.js';
export { DEFAULT_RETRY_POLICY, retryPolicy } from './core/send/retry-policy.js';
export type { RetryPolicy } from './core/send/retry-policy.js';
export { historyStats } from './core/record/history.js';
export { planPrompt } from './core/prompt/presets.js';
export { openResults, resultsFromRecords } from './core/record/results-merge.js';
export type { MergedResults } from './core/record/results-merge.js';
export { streamRecords } from './core/record/results-stream.js';
export { parseShard, selectShard, shardOf } from './core/source/shard.js';
export type { Shard } from './core/source/shard.js';
