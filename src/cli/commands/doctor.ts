import { existsSync } from 'node:fs';
import path from 'node:path';
import { resolveConfig } from '../../core/run/config.js';
import type { DoctorCheck, DoctorReport } from '../../core/doctor/doctor.js';
import { ConfigError, RunStoppedError } from '../../core/errors.js';
import { readDotenv } from '../env-file.js';
import { findPerl } from '../find-perl.js';
import { ExitCode } from '../exit-codes.js';
import { style, useColor, type CliIO } from '../io.js';
import { VERSION } from '../version.js';
import type { FlagValues } from '../flags/flag.js';
import type { DOCTOR_FLAGS } from '../flags/account-flags.js';

/** The flags as program.ts resolves them from cli/flags/account-flags.ts; any may be left out by a caller. */
export type DoctorFlags = Partial<FlagValues<typeof DOCTOR_FLAGS>>;

/** /key answers in well under a second; a dead network should not hold the check up for two minutes. */
const DOCTOR_TIMEOUT_MS = 15_000;

/**
 * `photobatch doctor`: one line per check on stderr (diagnostics, like a run's summary), or one JSON
 * document on stdout with --json. A failing check ends as the error a run would have stopped with,
 * so the exit code comes from exit-codes.ts: 2 no key (or a config problem), 4 key rejected or no credit.
 */
export async function doctorCommand(flags: DoctorFlags, io: CliIO): Promise<number> {
  (await import('../../core/images/heic-native.js')).configureHeicDecoder(io.env);
  const dotenv = readDotenv(io.cwd);
  const config = resolveConfig({
    flags: { ...(flags.apiKey ? { apiKey: flags.apiKey } : {}), ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}) },
    env: io.env,
    dotenv,
  });
  const dotenvFile = path.join(io.cwd, '.env');
  const { runDoctor } = await import('../../core/doctor/doctor.js');
  const { OpenRouterClient } = await import('../../core/send/openrouter/client.js');
  const { detectServer } = await import('../../core/send/endpoints/kind.js');
  const server = await detectServer(config.baseURL, { apiKey: config.apiKey, ...(flags.server ? { override: flags.server } : {}) });
  const client = config.apiKey && server.kind === 'openrouter'
    ? new OpenRouterClient({ apiKey: config.apiKey, baseURL: config.baseURL, timeoutMs: DOCTOR_TIMEOUT_MS })
    : undefined;
  let report: DoctorReport;
  try {
    report = await runDoctor({
      config,
      ...(client ? { client } : {}),
      version: VERSION,
      nodeVersion: process.versions.node,
      dotenv: { file: dotenvFile, exists: existsSync(dotenvFile), hasKey: Boolean(dotenv.OPENROUTER_API_KEY?.trim()) },
      env: io.env,
      findPerl: () => findPerl(io.env),
      server,
    });
  } finally {
    await client?.close();
  }

  if (flags.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else io.stderr.write(renderChecks(report.checks, useColor(io)));

  const problem = report.problem;
  if (!problem) return ExitCode.ok;
  switch (problem.kind) {
    case 'no_key':
      throw new ConfigError('No API key: set OPENROUTER_API_KEY in .env or the environment (see .env.example).');
    case 'key_rejected':
      throw new RunStoppedError('OpenRouter rejected the API key (401). Check OPENROUTER_API_KEY in .env and in your environment (the environment wins).', 'auth');
    case 'out_of_credits':
      throw new RunStoppedError('This key has no credit left under its limit. Raise the key limit or add credits at https://openrouter.ai/settings/credits.', 'out_of_credits');
    default:
      throw new ConfigError(`doctor: ${problem.message}`);
  }
}

/** ✓ ok, ! worth knowing, ✗ a run would fail; colour only where io.ts allows it. */
export function renderChecks(checks: readonly DoctorCheck[], color: boolean): string {
  const s = style(color);
  const mark = { ok: s.green('✓'), warn: s.yellow('!'), fail: s.red('✗') } as const;
  return checks.map((c) => `${mark[c.status]} ${c.message}\n`).join('');
}
