import { UsageError } from '../core/errors.js';
import { COMPARE_FLAGS } from './flags/compare-flags.js';
import { resolveFlags } from './flags/resolve.js';
import type { CliIO } from './io.js';
import { parseRunOptions, type RunOptions } from './run-options.js';

/** `compare`'s resolved options: the run rows it takes, and its own. */
export interface CompareOptions extends RunOptions {
  models: string[];
  sample: number;
  sampleSeed: number;
}

export function parseCompareOptions(flags: Record<string, unknown>, io: CliIO): CompareOptions {
  const opts = parseRunOptions(flags, io, 'compare');
  // -c auto adapts one run's flow; each model of a comparison is sent at a fixed concurrency.
  if (opts.autoConcurrency) throw new UsageError('compare sends at a fixed concurrency; pass a number, e.g. -c 4.');
  const { models, sample, sampleSeed } = resolveFlags(COMPARE_FLAGS, flags, 'compare').values;
  const unique = [...new Set(models)];
  if (unique.length === 0) throw new UsageError('Name the models to compare: -m model-a,model-b (see `photobatch models`).');
  return { ...opts, models: unique, sample, sampleSeed };
}
