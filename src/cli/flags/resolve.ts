import { longName, specFor, type Flag, type FlagCommand, type FlagTable, type FlagValues } from './flag.js';

export interface ResolvedFlags<T extends FlagTable> {
  values: FlagValues<T>;
  /** Whether the user gave the flag (a default was not used): some choices change meaning when explicit. */
  given: (key: keyof T) => boolean;
}

/**
 * Commander's raw values (only what the user typed: the builder gives commander no defaults) become typed,
 * validated values, each default read from its row by the same parser. A flag the command does not take
 * resolves to its default, so every command sees every field.
 */
export function resolveFlags<T extends FlagTable>(table: T, raw: Record<string, unknown>, command: FlagCommand): ResolvedFlags<T> {
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const [key, row] of Object.entries(table)) {
    const taken = row.for.includes(command);
    const input = taken ? raw[key] : undefined;
    if (input !== undefined && !(row.kind === 'toggle' && input === isNegated(row))) given.add(key);
    values[key] = readFlag(taken ? specFor(row, command) : row, input);
  }
  return { values: values as FlagValues<T>, given: (key) => given.has(key as string) };
}

function readFlag(row: Flag<unknown>, input: unknown): unknown {
  const name = longName(row.spelling);
  switch (row.kind) {
    case 'toggle':
      // commander sets --no-x to true itself; absent, a switch is off and a --no-x is on.
      return input === undefined ? isNegated(row) : input === true;
    case 'repeated':
      return [...new Set((input as string[] | undefined) ?? [])];
    case 'optional':
      if (input === undefined) return undefined;
      if (input === true) return row.bare === undefined ? true : row.parse(row.bare, name);
      return row.parse(String(input), name);
    case 'value':
      if (input === undefined) return row.default === undefined ? undefined : row.parse(row.default, name);
      return row.parse(String(input), name);
  }
}

export function isNegated(row: Pick<Flag<unknown>, 'spelling'>): boolean {
  return longName(row.spelling).startsWith('--no-');
}
