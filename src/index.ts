/**
 * photobatch as a library: the same core the CLI uses, with no terminal in it.
 * scan → prepare → send → record → report.
 */
export * from './core/types.js';
export * from './core/errors.js';
export { resolveConfig, DEFAULT_BASE_URL, DEFAULT_MODEL, DEFAULT_PROMPT, DEFAULT_MAX_IMAGE_SIZE } from './core/config.js';
export type { ResolvedConfig, ConfigFlags, EnvLike } from './core/config.js';
export { scanInputs, isPhotoPath, PHOTO_EXTENSIONS } from './core/scan.js';
export { preparePhoto } from './core/images/prepare.js';
export type { PrepareOptions, PreparedPhoto } from './core/images/prepare.js';
export { readImageHeader } from './core/images/header.js';
export { OpenRouterClient } from './core/openrouter/client.js';
export type { ClientOptions, ChatBody, ChatSuccess, KeyInfo } from './core/openrouter/client.js';
export { ApiError } from './core/openrouter/api-error.js';
export { createSender } from './core/openrouter/sender.js';
export { runBatch } from './core/batch.js';
export type { BatchOptions, BatchResult, BatchEvent } from './core/batch.js';
export type { OutputSink } from './core/session/sinks/sink.js';
export { estimateDryRun } from './core/dry-run.js';
export type { DryRunEstimate, DryRunOptions } from './core/dry-run.js';
export { openJournal, readRecords, RESULTS_FILE } from './core/journal.js';
export { currentResults, outputText } from './core/current-results.js';
export { buildReport, latestByPath, COST_REPORT_FILE, COST_CSV_FILE } from './core/report.js';
export type { CostReport } from './core/report.js';
export { Budget } from './core/budget.js';
export { familyFor, imageTokens, modelTargetSize } from './core/pricing/image-tokens.js';
export { estimatePhoto } from './core/pricing/estimate.js';
export { loadPrices, loadSnapshot, findPrice } from './core/pricing/prices.js';
export type { ModelPrice } from './core/pricing/prices.js';
export { openRun, batchSettings, openPhotoOutputs } from './core/run/prepare-run.js';
export type { RunHooks, RunSetup } from './core/run/prepare-run.js';
export type { RunSpec } from './core/run/spec.js';
export type { PhotoSource } from './core/photo-source.js';
export { watchFolder } from './core/watch/watch-folder.js';
export type { WatchFolderOptions, WatchedFolder } from './core/watch/watch-folder.js';
export { PhotoQueue } from './core/watch/photo-queue.js';
export { DEFAULT_RETRY_POLICY, retryPolicy } from './core/retry-policy.js';
export type { RetryPolicy } from './core/retry-policy.js';
export { historyStats } from './core/history.js';
export { planPrompt } from './core/presets.js';
export { openResults, resultsFromRecords } from './core/results-merge.js';
export type { MergedResults } from './core/results-merge.js';
export { streamRecords } from './core/results-stream.js';
export { parseShard, selectShard, shardOf } from './core/shard.js';
export type { Shard } from './core/shard.js';
