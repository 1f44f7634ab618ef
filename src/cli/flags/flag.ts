import { parseIntInRange, parsePositiveNumber } from '../../core/run/config.js';
import { UsageError } from '../../core/errors.js';

/** Every command: each one's options are built from the flag tables. */
export type FlagCommand = 'run' | 'watch' | 'compare' | 'report' | 'results' | 'export' | 'models' | 'doctor';
export const RUN_LIKE: readonly FlagCommand[] = ['run', 'watch', 'compare'];
export const RUN_AND_WATCH: readonly FlagCommand[] = ['run', 'watch'];

/** What one row of a flag table says, for every command that takes the flag. */
export interface FlagSpec {
  /** commander's spelling, e.g. '-o, --out <dir>'. */
  readonly spelling: string;
  /** The --help text; `{default}` in it is replaced by the shown default, else "(default: …)" is added. */
  readonly help: string;
  /** The default, written as a user would type it and read by the same parser: the one place it lives. */
  readonly default?: string;
  /** --help's words for a default that is not a value (an environment variable, a rule); false: not shown. */
  readonly shownDefault?: string | false;
  /** `--flag [value]` given alone means this value. */
  readonly bare?: string;
  readonly choices?: readonly string[];
  readonly required?: boolean;
  readonly for: readonly FlagCommand[];
  /** Where a command reads the flag differently (compare's own --out, help worded for it). */
  readonly variants?: Partial<Record<FlagCommand, Partial<Pick<FlagSpec, 'spelling' | 'help' | 'default'>>>>;
}

/** A table row: the spec, and how commander's raw value becomes the typed value V (absent: the default). */
export interface Flag<V> extends FlagSpec {
  readonly kind: 'value' | 'optional' | 'toggle' | 'repeated';
  readonly parse: (text: string, name: string) => unknown;
  /** Type only: the resolved value. */
  readonly __value?: V;
}

export type FlagTable = Readonly<Record<string, Flag<unknown>>>;
export type FlagValues<T extends FlagTable> = { -readonly [K in keyof T]: T[K] extends Flag<infer V> ? V : never };

type Spec<V> = Omit<FlagSpec, 'bare'> & { parse: (text: string, name: string) => V };

/** `--flag <value>`: with a default the value is always there. */
export function value<V>(spec: Spec<V> & { default: string }): Flag<V>;
export function value<V>(spec: Spec<V>): Flag<V | undefined>;
export function value<V>(spec: Spec<V>): Flag<V | undefined> {
  return { ...spec, kind: 'value' };
}

/** Free text (a path, a list, a model id): checked where it is used. */
export function text(spec: Omit<FlagSpec, 'bare'> & { default: string }): Flag<string>;
export function text(spec: Omit<FlagSpec, 'bare'>): Flag<string | undefined>;
export function text(spec: Omit<FlagSpec, 'bare'>): Flag<string | undefined> {
  return { ...spec, kind: 'value', parse: (t) => t };
}

/** `--flag [value]`: absent, alone (the bare value, or true without one), or with a value. */
export function optional<V>(spec: Omit<Spec<V>, 'default'> & { bare: string }): Flag<V | undefined>;
export function optional<V>(spec: Omit<Spec<V>, 'default'>): Flag<V | true | undefined>;
export function optional<V>(spec: Omit<Spec<V>, 'default'> & { bare?: string }): Flag<V | true | undefined> {
  return { ...spec, kind: 'optional' };
}

/** `--flag` (false unless given) or `--no-flag` (true unless given). */
export function toggle(spec: Pick<FlagSpec, 'spelling' | 'help' | 'for' | 'variants'>): Flag<boolean> {
  return { ...spec, kind: 'toggle', parse: () => true };
}

/** A repeatable choice, each value once. */
export function repeated<C extends string>(spec: Pick<FlagSpec, 'spelling' | 'help' | 'for'> & { choices: readonly C[] }): Flag<C[]> {
  return { ...spec, kind: 'repeated', parse: (t) => t };
}

/** The same row (spelling, help, default, parser) in another table, for the commands that table builds. */
export function sameRow<V>(row: Flag<V>, ...commands: FlagCommand[]): Flag<V> {
  return { ...row, for: commands };
}

/** The row as `command` reads it. */
export function specFor<V>(flag: Flag<V>, command: FlagCommand): Flag<V> {
  return { ...flag, ...flag.variants?.[command] };
}

export function longName(spelling: string): string {
  return /--[\w-]+/.exec(spelling)?.[0] ?? spelling;
}

// Value parsers: each names the flag in its one-line error, in the voice of core/run/config.ts.
export const int = (min: number, max: number) => (t: string, name: string) => parseIntInRange(t, name, min, max);
export const positive = (unit: string, opts: { allowZero?: boolean } = {}) => (t: string, name: string) => parsePositiveNumber(t, `${name} (${unit})`, opts);
export const secondsToMs = (t: string, name: string) => Math.round(parsePositiveNumber(t, `${name} (seconds)`) * 1000);
export const list = (t: string) => t.split(',').map((m) => m.trim()).filter(Boolean);
export const durationMs = (what: (name: string) => string) => (t: string, name: string) => parseDuration(t, what(name));

/** "90s", "15m", "2h", "1d" or plain seconds. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`Invalid ${what} duration "${text}". Use e.g. 90s, 30m, 2h or 1d.`);
  const unit = (m[2] ?? 's').toLowerCase();
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!;
  return Math.round(Number(m[1]) * factor);
}
