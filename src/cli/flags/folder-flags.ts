import { EXPORT_FORMATS, type ExportFormat } from '../../core/outputs/export/agency-csv.js';
import { text, toggle, value } from './flag.js';

/**
 * The options of the commands that only read output folders (offline, no key): `report`, `results`, `export`.
 * program.ts builds each command from its table and resolves the flags with it before the command runs.
 */
export const REPORT_FLAGS = {
  json: toggle({ spelling: '--json', help: 'print the report as one JSON document on stdout', for: ['report'] }),
  html: text({ spelling: '--html <file>', help: 'also write one contact sheet of every folder (e.g. the shards of a job)', for: ['report'] }),
  csv: text({ spelling: '--csv <file>', help: 'also write one cost CSV of every folder', for: ['report'] }),
};

export const RESULTS_FLAGS = {
  failed: toggle({ spelling: '--failed', help: 'only photos whose current result is a failure', for: ['results'] }),
  json: toggle({ spelling: '--json', help: 'print the current records as JSON lines, like results.jsonl', for: ['results'] }),
};

export const EXPORT_FLAGS = {
  format: value({
    spelling: '--format <format>', help: 'adobe-stock, shutterstock or csv', choices: EXPORT_FORMATS, default: 'csv',
    parse: (t) => t as ExportFormat, for: ['export'],
  }),
  output: text({ spelling: '-o, --output <file>', help: 'write the CSV to this file instead of stdout', for: ['export'] }),
  fix: toggle({ spelling: '--fix', help: 'trim titles, descriptions and keyword lists to the limits; leave out photos that cannot be fixed', for: ['export'] }),
  force: toggle({ spelling: '--force', help: 'replace the -o file if it exists', for: ['export'] }),
  quiet: toggle({ spelling: '-q, --quiet', help: 'no summary on stderr', for: ['export'] }),
};
