import { int, list, value } from './flag.js';

/** The options only `compare` has, before the run rows it takes. */
export const COMPARE_FLAGS = {
  models: value({
    spelling: '-m, --models <ids>', help: 'comma-separated models to compare, e.g. google/gemini-2.5-flash,openai/gpt-4o-mini',
    required: true, parse: list, for: ['compare'],
  }),
  sample: value({ spelling: '--sample <n>', help: 'photos in the sample, chosen to cover formats, orientations and sizes', default: '12', parse: int(1, 1000), for: ['compare'] }),
  sampleSeed: value({ spelling: '--sample-seed <n>', help: 'seed of the sample choice (same seed, same photos)', default: '1', parse: int(0, 2 ** 31 - 1), for: ['compare'] }),
};
