import { ENDPOINT_FLAGS } from './endpoint-flags.js';
import { sameRow, text, toggle } from './flag.js';

/**
 * The options of `models` and `doctor`, which ask the server about prices and the key. The endpoint rows are run's
 * own (same spelling, help and parser), taken by these commands too.
 */
export const MODELS_FLAGS = {
  search: text({ spelling: '--search <text>', help: 'only models whose id or name contains this text', for: ['models'] }),
  json: toggle({ spelling: '--json', help: 'print the list as one JSON array on stdout', for: ['models'] }),
  refresh: toggle({ spelling: '--refresh', help: 'fetch current prices even when the cached ones are fresh', for: ['models'] }),
  baseUrl: sameRow(ENDPOINT_FLAGS.baseUrl, 'models'),
};

export const DOCTOR_FLAGS = {
  json: toggle({ spelling: '--json', help: 'print the checks as one JSON document on stdout', for: ['doctor'] }),
  apiKey: sameRow(ENDPOINT_FLAGS.apiKey, 'doctor'),
  baseUrl: sameRow(ENDPOINT_FLAGS.baseUrl, 'doctor'),
  server: sameRow(ENDPOINT_FLAGS.server, 'doctor'),
};
