import { Command, InvalidArgumentError, Option } from 'commander';
import { helpFooter, showDefaultsAsTyped } from './help.js';
import type { CliIO } from './io.js';
import { VERSION } from './version.js';
import { addEndpointOptions } from './endpoint-options.js';
import { addWatchCommand } from './watch-program.js';

export interface ProgramState {
  exitCode: number;
  /** Scrubs keys and control characters from messages that echo arguments (commander's usage errors). */
  redact?: (text: string) => string;
}

const SIDECAR_KINDS = ['xmp', 'json', 'txt'];

/**
 * A repeatable option limited to `choices`. commander's .choices() installs its own parser and a later
 * .argParser() replaces it, validation included, so the check lives here (`--sidecar jpg` once wrote over photos).
 */
function collectChoice(choices: readonly string[]) {
  return (value: string, previous: string[] = []): string[] => {
    if (!choices.includes(value)) throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')}.`);
    return [...previous, value];
  };
}

/** Builds the command tree. Heavy modules (sharp, undici) load inside the actions, so --help stays fast. */
export function createProgram(io: CliIO, state: ProgramState): Command {
  const program = new Command('photobatch')
    .description('AI captions, keywords and alt text for a folder of photos, through OpenRouter, with an honest bill.')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(state.redact ? state.redact(text) : text),
    })
    .addHelpText('after', helpFooter('photobatch'));

  program
    .command('run')
    .description('Send every photo to a vision model and write results.jsonl and a cost report')
    .argument('<inputs...>', 'folders (recursive), image files, or - to read paths from stdin')
    .option('-o, --out <dir>', 'output folder', './photobatch-out')
    .option('-0, --null', 'paths read from stdin (-) are separated by NUL, as `find -print0` writes them')
    .option('-m, --model <id>', 'OpenRouter model id (default: $AI_MODEL or google/gemini-2.5-flash)')
    .option('--fallback-model <ids>', 'comma-separated models OpenRouter tries if the first fails')
    .option('-p, --prompt <text>', 'the instruction sent with each photo; may use {filename} {folder} {date} {camera} {context}')
    .option('--prompt-file <file>', 'read the prompt (template) from a file')
    .option('--preset <names>', 'caption, keywords, alt-text, describe, tet-greeting, stock; combine with commas (one request)')
    .option('--lang <codes>', 'output language(s), e.g. vi or vi,en (both come back)')
    .option('--context <text>', 'what the photos are, e.g. "Nguyen–Tran wedding, Hanoi"')
    .option('--max-keywords <n>', 'most keywords kept, most important first; more are trimmed, never re-asked (default 15; stock 49)')
    .option('--min-keywords <n>', 'fewest keywords asked for (default 5; stock 25)')
    .option('--vocabulary <file>', 'your keyword list (Lightroom keyword export or one per line): keywords are snapped to it and written with their hierarchy')
    .addOption(new Option('--vocabulary-mode <mode>', 'keywords outside the vocabulary: dropped (strict) or kept (prefer, default)').choices(['strict', 'prefer']))
    .option('--vocabulary-hint-tokens <n>', 'token budget of the vocabulary terms offered to the model (default 300; 0: none)')
    .option('--context-from-metadata', "send the photo's own keywords, caption, event, place names and tagged people as context (never GPS)")
    .option('--deliver <dir>', 'write a copy of each photo with the results embedded (XMP + IPTC), mirroring the input folders; RAW/HEIC get a copy plus an XMP sidecar')
    .option('--schema <file.json>', 'JSON Schema for structured output; the parsed object goes into output')
    .addOption(new Option('--sidecar <kind>', 'write a sidecar per photo (repeatable)').choices(SIDECAR_KINDS).argParser(collectChoice(SIDECAR_KINDS)))
    .option('--overwrite', 'replace sidecar fields (and .txt files) written by hand; by default they are kept')
    .option('--sidecar-in-place', 'write sidecars beside the originals (what Lightroom and darktable read)')
    .addOption(new Option('--sidecar-naming <style>', 'auto follows the sidecar already beside the photo, else IMG_1.xmp; lightroom: IMG_1.xmp; darktable: IMG_1.CR2.xmp').choices(['auto', 'lightroom', 'darktable', 'default']).default('auto'))
    .option('--modalities <list>', 'output modalities, e.g. image,text for image-output models (images are saved in --out)')
    .option('--no-contact-sheet', 'do not write report.html and thumbnails')
    .option('--max-tokens <n>', 'cap on output tokens per photo, reasoning included (always sent; default 512, plus reasoning headroom when the model must reason)')
    .option('-c, --concurrency <n|auto>', 'requests in flight at once; auto finds what the provider sustains (up to --max-concurrency)', '4')
    .option('--max-concurrency <n>', 'ceiling for -c auto', '64')
    .option('--max-edge <px>', 'longest edge sent (default: what the model can use, at most $MAX_IMAGE_SIZE)')
    .option('--quality <1-100>', 'JPEG quality of what is sent', '80')
    .option('--max-cost <usd>', 'hard budget for everything billed into --out, across runs: never start a request that could take it past this')
    .option('--max-cost-per-day <usd>', 'hard budget per local calendar day for what is billed into --out (long watches, cron jobs)')
    .option('--reasoning <effort>', 'off, auto (default: off where the model allows, else its lowest effort), or minimal, low, medium, high, xhigh, max')
    .option('--rpm <n>', 'client-side limit of requests per minute')
    .option('--retries <n>', 'retries per photo for rate limits, timeouts and server errors', '5')
    .option('--timeout <seconds>', 'per-request deadline', '120')
    .addOption(new Option('--wait-for-credits [duration]', 'when credits run out, wait for a top-up (e.g. 2h; default 12h) instead of stopping'))
    .option('--shard <K/N>', 'take share K of N (stable by file name; each shard its own --out); auto/N reads the index of a Kubernetes Indexed Job or AWS Batch array job')
    .addOption(new Option('--wait-lock [duration]', 'if another run is using --out, wait for it (e.g. 30m; default 1h) instead of exiting 2'))
    .option('--dry-run', 'estimate tokens and cost offline; sends nothing, needs no key')
    .option('--json', 'write each result line to stdout as it finishes (dry run: one JSON document)')
    .option('--force', 'redo photos that are already done in --out')
    .option('--reconcile', "after the run, check each answer's cost against OpenRouter's billing record (writes reconcile.json)")
    .option('-q, --quiet', 'no progress and no summary on stderr (errors still show)')
    .option('--no-progress', 'no progress bar')
    .option('--api-key <key>', 'OpenRouter key (prefer OPENROUTER_API_KEY: flags show up in shell history)')
    .option('--base-url <url>', 'API base URL (default: $OPENROUTER_BASE_URL)')
    .addHelpText('after', helpFooter('run'));
  addEndpointOptions(program.commands.at(-1)!)
    .action(async (inputs: string[], flags: Record<string, unknown>) => {
      const { runCommand } = await import('./commands/run.js');
      state.exitCode = await runCommand(inputs, flags, io);
    });

  addWatchCommand(program, io, state);

  const compare = program
    .command('compare')
    .description('Send the same sample of photos to several models; compare.html side by side, compare.json with cost, latency and agreement')
    .argument('<inputs...>', 'folders (recursive), image files, or - to read paths from stdin')
    .requiredOption('-m, --models <ids>', 'comma-separated models to compare, e.g. google/gemini-2.5-flash,openai/gpt-4o-mini')
    .option('--sample <n>', 'photos in the sample, chosen to cover formats, orientations and sizes', '12')
    .option('--sample-seed <n>', 'seed of the sample choice (same seed, same photos)', '1')
    .option('-o, --out <dir>', 'output folder (compare.html, compare.json, one journal per model)', './photobatch-compare')
    .option('-p, --prompt <text>', 'the instruction sent with each photo')
    .option('--prompt-file <file>', 'read the prompt (template) from a file')
    .option('--preset <names>', 'caption, keywords, alt-text, describe, tet-greeting; combine with commas')
    .option('--lang <codes>', 'output language(s)')
    .option('--context <text>', 'what the photos are')
    .option('--schema <file.json>', 'JSON Schema for structured output')
    .option('--max-tokens <n>', 'cap on output tokens per photo', '512')
    .option('-c, --concurrency <n>', 'requests in flight at once', '4')
    .option('--max-edge <px>', 'longest edge sent')
    .option('--quality <1-100>', 'JPEG quality of what is sent', '80')
    .option('--max-cost <usd>', 'hard budget for the whole comparison')
    .option('--retries <n>', 'retries per photo', '5')
    .option('--timeout <seconds>', 'per-request deadline', '120')
    .option('--force', 'ask again even where a model already answered')
    .option('--json', 'print compare.json on stdout')
    .option('-q, --quiet', 'no progress and no summary on stderr')
    .option('--api-key <key>', 'API key (prefer OPENROUTER_API_KEY)')
    .option('--base-url <url>', 'API base URL (default: $OPENROUTER_BASE_URL)')
    .addHelpText('after', helpFooter('compare'));
  addEndpointOptions(compare, { tiers: false }).action(async (inputs: string[], flags: Record<string, unknown>) => {
    const { compareCommand } = await import('./commands/compare.js');
    state.exitCode = await compareCommand(inputs, flags, io);
  });

  program
    .command('report')
    .description('Print the cost report again from one or more output folders (several are merged)')
    .argument('<out-dirs...>', 'output folders holding results.jsonl')
    .option('--json', 'print the report as one JSON document on stdout')
    .option('--html <file>', 'also write one contact sheet of every folder (e.g. the shards of a job)')
    .option('--csv <file>', 'also write one cost CSV of every folder')
    .addHelpText('after', helpFooter('report'))
    .action(async (dirs: string[], flags: { json?: boolean; html?: string; csv?: string }) => {
      const { reportCommand } = await import('./commands/report.js');
      state.exitCode = await reportCommand(dirs, flags, io);
    });

  program
    .command('results')
    .description('Print the current result of each photo (a later run replaces an earlier one): file, status, answer')
    .argument('<out-dirs...>', 'output folders holding results.jsonl (several are merged)')
    .option('--failed', 'only photos whose current result is a failure')
    .option('--json', 'print the current records as JSON lines, like results.jsonl')
    .addHelpText('after', helpFooter('results'))
    .action(async (dirs: string[], flags: { failed?: boolean; json?: boolean }) => {
      const { resultsCommand } = await import('./commands/results.js');
      state.exitCode = await resultsCommand(dirs, flags, io);
    });

  program
    .command('export')
    .description('Write an upload CSV (Adobe Stock, Shutterstock or generic) from answers already paid for; checks every agency limit first')
    .argument('<out-dirs...>', 'output folders holding results.jsonl (shards are merged)')
    .addOption(new Option('--format <format>', 'adobe-stock, shutterstock or csv').choices(['adobe-stock', 'shutterstock', 'csv']).default('csv'))
    .option('-o, --output <file>', 'write the CSV to this file instead of stdout')
    .option('--fix', 'trim titles, descriptions and keyword lists to the limits; leave out photos that cannot be fixed')
    .option('--force', 'replace the -o file if it exists')
    .option('-q, --quiet', 'no summary on stderr')
    .addHelpText('after', helpFooter('export'))
    .action(async (dirs: string[], flags: Record<string, unknown>) => {
      const { exportCommand } = await import('./commands/export.js');
      state.exitCode = await exportCommand(dirs, flags, io);
    });

  program
    .command('models')
    .description('List vision models by the estimated cost of one photo, with prices per million tokens and per 1,000 photos')
    .option('--search <text>', 'only models whose id or name contains this text')
    .option('--json', 'print the list as one JSON array on stdout')
    .option('--refresh', 'fetch current prices even when the cached ones are fresh')
    .option('--base-url <url>', 'API base URL (default: $OPENROUTER_BASE_URL)')
    .addHelpText('after', helpFooter('models'))
    .action(async (flags: { search?: string; json?: boolean; refresh?: boolean; baseUrl?: string }) => {
      const { modelsCommand } = await import('./commands/models.js');
      state.exitCode = await modelsCommand(flags, io);
    });

  program
    .command('doctor')
    .description('Check the key, its limit and usage, the price cache, image support and the Node version')
    .option('--json', 'print the checks as one JSON document on stdout')
    .option('--api-key <key>', 'OpenRouter key (prefer OPENROUTER_API_KEY: flags show up in shell history)')
    .option('--base-url <url>', 'API base URL (default: $OPENROUTER_BASE_URL)')
    .addOption(new Option('--server <kind>', 'what --base-url is (default: detected)').choices(['openrouter', 'ollama', 'lmstudio', 'vllm', 'llamacpp', 'litellm', 'generic']))
    .addHelpText('after', helpFooter('doctor'))
    .action(async (flags: { json?: boolean; apiKey?: string; baseUrl?: string; server?: import('../core/endpoints/kind.js').ServerKind }) => {
      const { doctorCommand } = await import('./commands/doctor.js');
      state.exitCode = await doctorCommand(flags, io);
    });

  showDefaultsAsTyped(program);
  return program;
}
