import { DEFAULT_MAX_IMAGE_SIZE, DEFAULT_MODEL, parseIntInRange } from '../../core/run/config.js';
import { UsageError } from '../../core/errors.js';
import type { VocabularyMode } from '../../core/prompt/keywords/vocabulary.js';
import { parseReasoningChoice, type ReasoningChoice } from '../../core/prompt/reasoning.js';
import type { SidecarNamingChoice } from '../../core/outputs/sidecars/sidecar-naming.js';
import { ENDPOINT_FLAGS } from './endpoint-flags.js';
import { durationMs, int, list, optional, positive, repeated, RUN_AND_WATCH, RUN_LIKE, secondsToMs, text, toggle, value } from './flag.js';

/**
 * Every option of `run`, `watch` and `compare`, in --help order: spelling, help, default (the only place
 * it is written), parser and the commands that take it. program.ts builds the commands from this table,
 * and parseRunOptions resolves it; test/cli/run-flags.test.ts proves each row reaches the options.
 * Env-derived defaults (AI_MODEL, MAX_IMAGE_SIZE, OPENROUTER_BASE_URL) are core/run/config.ts's, shown from there.
 */
export const RUN_FLAGS = {
  out: text({
    spelling: '-o, --out <dir>', help: 'output folder', default: './photobatch-out', for: RUN_LIKE,
    variants: { compare: { help: 'output folder (compare.html, compare.json, one journal per model)', default: './photobatch-compare' } },
  }),
  null: toggle({ spelling: '-0, --null', help: 'paths read from stdin (-) are separated by NUL, as `find -print0` writes them', for: ['run'] }),
  model: text({ spelling: '-m, --model <id>', help: 'OpenRouter model id', shownDefault: `$AI_MODEL or ${DEFAULT_MODEL}`, for: RUN_AND_WATCH }),
  fallbackModel: value({ spelling: '--fallback-model <ids>', help: 'comma-separated models OpenRouter tries if the first fails', default: '', parse: list, for: RUN_AND_WATCH }),
  prompt: text({ spelling: '-p, --prompt <text>', help: 'the instruction sent with each photo; may use {filename} {folder} {date} {camera} {context}', for: RUN_LIKE }),
  promptFile: text({ spelling: '--prompt-file <file>', help: 'read the prompt (template) from a file', for: RUN_LIKE }),
  preset: text({ spelling: '--preset <names>', help: 'caption, keywords, alt-text, describe, tet-greeting, stock; combine with commas (one request)', for: RUN_LIKE }),
  lang: value({ spelling: '--lang <codes>', help: 'output language(s), e.g. vi or vi,en (both come back)', parse: list, for: RUN_LIKE }),
  context: text({ spelling: '--context <text>', help: 'what the photos are, e.g. "Nguyen–Tran wedding, Hanoi"', for: RUN_LIKE }),
  // The keyword counts' defaults depend on the preset; core/prompt/presets.ts applies them.
  maxKeywords: value({ spelling: '--max-keywords <n>', help: 'most keywords kept, most important first; more are trimmed, never re-asked (default 15; stock 49)', parse: int(1, 100), for: RUN_AND_WATCH }),
  minKeywords: value({ spelling: '--min-keywords <n>', help: 'fewest keywords asked for (default 5; stock 25)', parse: int(1, 100), for: RUN_AND_WATCH }),
  vocabulary: text({ spelling: '--vocabulary <file>', help: 'your keyword list (Lightroom keyword export or one per line): keywords are snapped to it and written with their hierarchy', for: RUN_AND_WATCH }),
  vocabularyMode: value({
    spelling: '--vocabulary-mode <mode>', help: 'keywords outside the vocabulary: dropped (strict) or kept (prefer)', choices: ['strict', 'prefer'], default: 'prefer',
    parse: (t) => t as VocabularyMode, for: RUN_AND_WATCH,
  }),
  vocabularyHintTokens: value({ spelling: '--vocabulary-hint-tokens <n>', help: 'token budget of the vocabulary terms offered to the model (default 300; 0: none)', parse: int(0, 100_000), for: RUN_AND_WATCH }),
  contextFromMetadata: toggle({ spelling: '--context-from-metadata', help: "send the photo's own keywords, caption, event, place names and tagged people as context (never GPS)", for: RUN_AND_WATCH }),
  deliver: text({ spelling: '--deliver <dir>', help: 'write a copy of each photo with the results embedded (XMP + IPTC), mirroring the input folders; RAW/HEIC get a copy plus an XMP sidecar', for: RUN_AND_WATCH }),
  schema: text({ spelling: '--schema <file.json>', help: 'JSON Schema for structured output; the parsed object goes into output', for: RUN_LIKE }),
  sidecar: repeated({ spelling: '--sidecar <kind>', help: 'write a sidecar per photo (repeatable)', choices: ['xmp', 'json', 'txt'] as const, for: RUN_AND_WATCH }),
  overwrite: toggle({ spelling: '--overwrite', help: 'replace sidecar fields (and .txt files) written by hand; by default they are kept', for: RUN_AND_WATCH }),
  sidecarInPlace: toggle({ spelling: '--sidecar-in-place', help: 'write sidecars beside the originals (what Lightroom and darktable read)', for: RUN_AND_WATCH }),
  sidecarNaming: value({
    spelling: '--sidecar-naming <style>', help: 'auto follows the sidecar already beside the photo, else IMG_1.xmp; lightroom: IMG_1.xmp; darktable: IMG_1.CR2.xmp',
    choices: ['auto', 'lightroom', 'darktable', 'default'], default: 'auto', parse: (t) => t as SidecarNamingChoice, for: RUN_AND_WATCH,
  }),
  modalities: value({ spelling: '--modalities <list>', help: 'output modalities, e.g. image,text for image-output models (images are saved in --out)', parse: list, for: RUN_AND_WATCH }),
  contactSheet: toggle({ spelling: '--no-contact-sheet', help: 'do not write report.html and thumbnails', for: RUN_AND_WATCH }),
  maxTokens: value({
    spelling: '--max-tokens <n>', help: 'cap on output tokens per photo, reasoning included (always sent; default {default}, plus reasoning headroom when the model must reason)',
    default: '512', parse: int(1, 1_000_000), for: RUN_LIKE, variants: { compare: { help: 'cap on output tokens per photo' } },
  }),
  concurrency: value({
    spelling: '-c, --concurrency <n|auto>', help: 'requests in flight at once; auto finds what the provider sustains (up to --max-concurrency)',
    default: '4', parse: (t, name): number | 'auto' => (t.trim().toLowerCase() === 'auto' ? 'auto' : parseIntInRange(t, name, 1, 256)), for: RUN_LIKE,
    variants: { compare: { spelling: '-c, --concurrency <n>', help: 'requests in flight at once' } },
  }),
  maxConcurrency: value({ spelling: '--max-concurrency <n>', help: 'ceiling for -c auto', default: '64', parse: int(1, 256), for: RUN_AND_WATCH }),
  // Checked with MAX_IMAGE_SIZE by core/run/config.ts's resolveConfig: one rule for the flag and the setting.
  maxEdge: text({ spelling: '--max-edge <px>', help: 'longest edge sent', shownDefault: `what the model can use, at most $MAX_IMAGE_SIZE or ${DEFAULT_MAX_IMAGE_SIZE}`, for: RUN_LIKE }),
  quality: value({ spelling: '--quality <1-100>', help: 'JPEG quality of what is sent', default: '80', parse: int(1, 100), for: RUN_LIKE }),
  maxCost: value({
    spelling: '--max-cost <usd>', help: 'hard budget for everything billed into --out, across runs: never start a request that could take it past this',
    parse: positive('USD'), for: RUN_LIKE, variants: { compare: { help: 'hard budget for the whole comparison' } },
  }),
  maxCostPerDay: value({ spelling: '--max-cost-per-day <usd>', help: 'hard budget per local calendar day for what is billed into --out (long watches, cron jobs)', parse: positive('USD'), for: RUN_AND_WATCH }),
  reasoning: value({
    spelling: '--reasoning <effort>', help: 'off, auto (default: off where the model allows, else its lowest effort), or minimal, low, medium, high, xhigh, max',
    default: 'auto', shownDefault: false, parse: parseReasoning, for: RUN_AND_WATCH,
  }),
  rpm: value({ spelling: '--rpm <n>', help: 'client-side limit of requests per minute', parse: int(1, 1_000_000), for: RUN_AND_WATCH }),
  retries: value({ spelling: '--retries <n>', help: 'retries per photo for rate limits, timeouts and server errors', default: '5', parse: int(0, 100), for: RUN_LIKE }),
  timeout: value({ spelling: '--timeout <seconds>', help: 'per-request deadline', default: '120', parse: secondsToMs, for: RUN_LIKE }),
  waitForCredits: optional({
    spelling: '--wait-for-credits [duration]', help: 'when credits run out, wait for a top-up (e.g. 2h; default {default}) instead of stopping',
    bare: '12h', parse: durationMs((name) => name), for: RUN_AND_WATCH,
  }),
  shard: text({ spelling: '--shard <K/N>', help: 'take share K of N (stable by file name; each shard its own --out); auto/N reads the index of a Kubernetes Indexed Job or AWS Batch array job', for: RUN_AND_WATCH }),
  waitLock: optional({
    spelling: '--wait-lock [duration]', help: 'if another run is using --out, wait for it (e.g. 30m; default {default}) instead of exiting 2',
    bare: '1h', parse: durationMs((name) => name), for: RUN_AND_WATCH,
  }),
  dryRun: toggle({ spelling: '--dry-run', help: 'estimate tokens and cost offline; sends nothing, needs no key', for: ['run'] }),
  json: toggle({ spelling: '--json', help: 'write each result line to stdout as it finishes (dry run: one JSON document)', for: RUN_LIKE, variants: { compare: { help: 'print compare.json on stdout' } } }),
  force: toggle({ spelling: '--force', help: 'redo photos that are already done in --out', for: RUN_LIKE, variants: { compare: { help: 'ask again even where a model already answered' } } }),
  reconcile: toggle({ spelling: '--reconcile', help: "after the run, check each answer's cost against OpenRouter's billing record (writes reconcile.json)", for: RUN_AND_WATCH }),
  quiet: toggle({ spelling: '-q, --quiet', help: 'no progress and no summary on stderr (errors still show)', for: RUN_LIKE }),
  progress: toggle({ spelling: '--no-progress', help: 'no progress bar', for: RUN_AND_WATCH }),
  ...ENDPOINT_FLAGS,
};

export type RunFlagValues = import('./flag.js').FlagValues<typeof RUN_FLAGS>;

function parseReasoning(text: string): ReasoningChoice {
  const choice = parseReasoningChoice(text);
  if (!choice) throw new UsageError(`Invalid --reasoning "${text}". Use off, auto, or an effort: minimal, low, medium, high, xhigh, max.`);
  return choice;
}
