import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { latencyFake } from './context.js';
import { startFake } from './fake.js';
import { toolEnv } from './photobatch.js';
import { run } from './spawn.js';
import { built, importDist, log, REPO_ROOT, WORK } from './util.js';

export interface Ceiling {
  /** Spawn to exit of the bare client, ms. */
  wallMs: number;
  ok: number;
  cpuS: number;
  /** Photos/s of the bare client ÷ C/L. */
  ratio: number;
}

/**
 * Harness ceiling: a bare undici loop posting one pre-built chat body (the first photo of `dir`, prepared as
 * photobatch sends it) n times at concurrency c to the same fake server, in a process that does nothing else. What
 * this machine and the fake (which parses every body in the bench's own process) allow, with no photobatch at all.
 */
export async function harnessCeiling(label: string, firstPhoto: string, n: number, c: number, latencyMs: number): Promise<Ceiling> {
  const { preparePhoto } = await importDist('core/images/prepare.js');
  const { buildChatBody } = await importDist('core/prompt/request-body.js');
  const { DEFAULT_MODEL, DEFAULT_PROMPT } = await importDist('core/run/config.js');
  const prepared = await preparePhoto(readFileSync(firstPhoto), { maxEdge: 768, quality: 80 });
  const bodyFile = path.join(WORK, 'tmp', `${label}-bare-body.json`);
  mkdirSync(path.dirname(bodyFile), { recursive: true });
  writeFileSync(bodyFile, JSON.stringify(buildChatBody({ model: DEFAULT_MODEL, fallbackModels: [], maxTokens: 512 }, DEFAULT_PROMPT, prepared.data)));
  const fake = await startFake(latencyFake());
  try {
    log(`${label}: harness ceiling (bare undici loop, no photobatch), ${n} requests, -c ${c}`);
    const r = await run(process.execPath, [built('workers/bare-client.js'), fake.url, String(n), String(c), bodyFile], {
      cwd: REPO_ROOT, env: toolEnv(fake.url), timeoutMs: 300_000, probe: true,
    });
    const got = JSON.parse(r.stdout.trim()) as { wallMs: number; ok: number };
    const cpuS = r.usage ? (r.usage.userUs + r.usage.systemUs) / 1e6 : Number.NaN;
    return { wallMs: r.wallMs, ok: got.ok, cpuS, ratio: n / (r.wallMs / 1000) / (c / (latencyMs / 1000)) };
  } finally {
    await fake.close();
  }
}
