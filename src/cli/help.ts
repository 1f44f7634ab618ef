import { Help, type Command, type Option } from 'commander';
import { DEFAULT_BASE_URL, DEFAULT_MAX_IMAGE_SIZE, DEFAULT_MODEL } from '../core/run/config.js';

/**
 * Every command's --help has the same shape: usage, options (defaults shown as values, not as
 * quoted strings), then Settings, Exit codes and an Example. One test renders them all.
 */
export type CommandName = 'photobatch' | 'run' | 'watch' | 'compare' | 'report' | 'results' | 'export' | 'models' | 'doctor';

const SETTINGS = {
  OPENROUTER_API_KEY: 'your OpenRouter key (https://openrouter.ai/settings/keys); not needed for --dry-run',
  OPENROUTER_BASE_URL: `API base, default ${DEFAULT_BASE_URL} (any OpenAI-compatible server)`,
  AI_MODEL: `model id, default ${DEFAULT_MODEL}`,
  MAX_IMAGE_SIZE: `longest edge in px sent to the model, default ${DEFAULT_MAX_IMAGE_SIZE}`,
} as const;
type Setting = keyof typeof SETTINGS;

interface Footer {
  settings: readonly Setting[];
  exitCodes: readonly (readonly [number, string])[];
  example: string;
}

const BUG: readonly [number, string] = [1, 'unexpected error (a bug; PHOTOBATCH_DEBUG=1 shows the stack)'];
const USAGE: readonly [number, string] = [2, 'usage or config error'];
const OUTPUT: readonly [number, string] = [5, 'output not writable (disk full, read-only, permissions)'];
const PIPE: readonly [number, string] = [141, 'stdout closed by its reader (| head)'];

const FOOTERS: Record<CommandName, Footer> = {
  photobatch: {
    settings: ['OPENROUTER_API_KEY', 'OPENROUTER_BASE_URL', 'AI_MODEL', 'MAX_IMAGE_SIZE'],
    exitCodes: [
      [0, 'success (every photo ok, or a dry run)'], BUG, [2, 'usage or config error, or --out in use by another run'], [3, 'run: some photos failed'],
      [4, 'run: stopped early, re-run to resume'], OUTPUT, [130, 'interrupted'], PIPE,
    ],
    example: 'photobatch run examples/photos --dry-run',
  },
  run: {
    settings: ['OPENROUTER_API_KEY', 'OPENROUTER_BASE_URL', 'AI_MODEL', 'MAX_IMAGE_SIZE'],
    exitCodes: [
      [0, 'every photo ok (or already done), or a dry run'], BUG, [2, 'usage or config error: bad flag, no key, no photos found, --out in use'],
      [3, 'finished, but some photos failed (photobatch results <out> --failed)'],
      [4, 'stopped early (key rejected, out of credits, budget, model unavailable): re-run to resume'],
      OUTPUT, [130, 'interrupted; finished results are saved'], PIPE,
    ],
    example: 'photobatch run ./event-photos -o ./captions --preset caption,keywords',
  },
  watch: {
    settings: ['OPENROUTER_API_KEY', 'OPENROUTER_BASE_URL', 'AI_MODEL', 'MAX_IMAGE_SIZE'],
    exitCodes: [
      [0, 'ended by Ctrl-C or SIGTERM: photos in flight finished, reports written'], BUG,
      [2, 'usage or config error: not a folder, no key, --out in use'], [3, 'ended by Ctrl-C or SIGTERM, and some photos failed'],
      [4, 'stopped by itself: --max-cost reached for everything billed into --out, credits, key'],
      OUTPUT, [130, 'a second Ctrl-C: the photos in flight were aborted'], PIPE,
    ],
    example: 'photobatch watch ./hot -o ./event-out --preset caption,keywords',
  },
  compare: {
    settings: ['OPENROUTER_API_KEY', 'OPENROUTER_BASE_URL', 'MAX_IMAGE_SIZE'],
    exitCodes: [
      [0, 'every model answered every photo'], BUG, [2, 'usage or config error: no models, no photos, no key'],
      [3, 'some answers failed or a model has notes (see compare.json)'],
      [4, 'stopped early (budget, credits, key): re-run to resume'], [130, 'interrupted; finished answers are saved'],
    ],
    example: 'photobatch compare examples/photos -m google/gemini-2.5-flash,openai/gpt-4o-mini --sample 5',
  },
  report: {
    settings: [],
    exitCodes: [[0, 'report printed'], BUG, [2, 'a folder has no results.jsonl']],
    example: 'photobatch report ./captions --json | jq .cost_usd.billed',
  },
  results: {
    settings: [],
    exitCodes: [[0, 'results printed (even when some photos failed: use --failed to list them)'], BUG, [2, 'a folder has no results.jsonl']],
    example: 'photobatch results ./captions --failed',
  },
  export: {
    settings: [],
    exitCodes: [
      [0, 'every answered photo exported'], BUG, [2, 'usage error: unknown --format, nothing answered yet, -o exists (add --force)'],
      [3, 'some photos break the agency rules: left out, or nothing written (see stderr; --fix trims)'],
    ],
    example: 'photobatch export ./captions --format adobe-stock -o adobe.csv',
  },
  models: {
    settings: ['OPENROUTER_BASE_URL', 'OPENROUTER_API_KEY', 'MAX_IMAGE_SIZE'],
    exitCodes: [[0, 'list printed (offline: from the cache or the bundled prices)'], BUG, USAGE],
    example: 'photobatch models --search gemini',
  },
  doctor: {
    settings: ['OPENROUTER_API_KEY', 'OPENROUTER_BASE_URL', 'AI_MODEL', 'MAX_IMAGE_SIZE'],
    exitCodes: [[0, 'every check passed'], BUG, [2, 'no key, or a config problem'], [4, 'key rejected, or no credit left under its limit']],
    example: 'photobatch doctor',
  },
};

export function helpFooter(name: CommandName): string {
  const f = FOOTERS[name];
  const lines: string[] = [''];
  if (f.settings.length === 0) {
    lines.push('Settings: none (reads only the folders given; works offline, needs no key)');
  } else {
    lines.push('Settings (a flag wins over the environment, which wins over .env in the current folder):');
    const width = Math.max(...f.settings.map((s) => s.length));
    for (const s of f.settings) lines.push(`  ${s.padEnd(width)}  ${SETTINGS[s]}`);
  }
  lines.push('', 'Exit codes:');
  for (const [code, text] of f.exitCodes) lines.push(`  ${String(code).padStart(3)}  ${text}`);
  lines.push('', 'Example:', `  $ ${f.example}`);
  return lines.join('\n');
}

/**
 * Commander prints a string default as JSON ("4"); our defaults are numbers and words typed on a
 * command line, so they show as such (default: 4). Empty defaults are not shown at all.
 */
export function showDefaultsAsTyped(command: Command): void {
  for (const option of command.options) {
    const value: unknown = option.defaultValue;
    if (typeof value === 'string' && !option.defaultValueDescription) option.defaultValueDescription = value;
  }
  // Choices are words typed as they are, too: (choices: xmp, json, txt).
  command.configureHelp({
    optionDescription(this: Help, option: Option) {
      let text = Help.prototype.optionDescription.call(this, option);
      // Flag-table options give commander no default (flags/build-command.ts), only the words to show for it.
      const shown = option.defaultValue === undefined ? option.defaultValueDescription : undefined;
      if (shown) text = option.argChoices ? text.replace(/\)$/, `, default: ${shown})`) : `${text} (default: ${shown})`;
      return text.replace(/\(choices: ([^)]*)\)|choices: ("[^,]*"(?:, "[^,]*")*)/g, (m) => m.replace(/"/g, ''));
    },
  });
  for (const sub of command.commands) showDefaultsAsTyped(sub);
}
