import { InvalidArgumentError, Option, type Command } from 'commander';
import { specFor, type FlagCommand, type FlagTable } from './flag.js';

/**
 * Adds the rows of `table` that `command` takes, in table order. Commander gets no default values (so the raw
 * flags hold only what was typed, and resolveFlags applies every default from the table); --help shows the
 * default from the row (help.ts renders `defaultValueDescription`).
 */
export function addFlags(cmd: Command, table: FlagTable, command: FlagCommand): Command {
  for (const [key, row] of Object.entries(table)) {
    if (!row.for.includes(command)) continue;
    const f = specFor(row, command);
    const shown = f.shownDefault === false ? undefined : (f.shownDefault ?? f.default ?? f.bare);
    const inline = shown !== undefined && f.help.includes('{default}');
    const option = new Option(f.spelling, inline ? f.help.replace('{default}', shown) : f.help);
    if (f.choices) {
      option.choices(f.choices);
      // commander's .choices() installs its own parser and a later .argParser() replaces it, validation included,
      // so a repeatable choice checks here (`--sidecar jpg` once wrote over photos).
      if (f.kind === 'repeated') option.argParser(collectChoice(f.choices));
    }
    if (f.required) option.makeOptionMandatory();
    if (shown !== undefined && !inline && f.kind !== 'toggle') option.defaultValueDescription = shown;
    if (option.attributeName() !== key) throw new Error(`Flag table row "${key}" is spelled ${f.spelling}; key it ${option.attributeName()}.`);
    cmd.addOption(option);
  }
  return cmd;
}

function collectChoice(choices: readonly string[]) {
  return (value: string, previous: string[] = []): string[] => {
    if (!choices.includes(value)) throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')}.`);
    return [...previous, value];
  };
}
