import { describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import { defaultIO } from '../../src/cli/io.js';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';

/** Every command the program has, so a command added later is held to the same shape. */
const commands = createProgram(defaultIO(), { exitCode: 0 }).commands.map((c) => c.name());

describe('--help of every command', () => {
  it.each([[''], ...commands.map((c) => [c])])('photobatch %s --help: usage, options, settings, exit codes, an example', async (name) => {
    const run = await runCli(name ? [name, '--help'] : ['--help']);
    expect(run.code).toBe(0);
    const h = run.stdout;
    expect(h).toMatch(new RegExp(`^Usage: photobatch${name ? ` ${name}` : ''} `));
    const order = ['Usage:', 'Options:', 'Settings', 'Exit codes:', 'Example:'].map((heading) => h.search(new RegExp(`^${heading}`, 'm')));
    expect(order.every((at) => at >= 0), `${name}: ${order}`).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(h).toMatch(/^ {2,}0 {2}/m);
    expect(h).toMatch(new RegExp(`^Example:\\n {2}\\$ photobatch ${name}`, 'm'));
    // Defaults and choices are shown as typed (default: 4), never as JSON strings (default: "4").
    expect(h).not.toMatch(/default: "/);
    expect(h).not.toMatch(/choices: "/);
  });

  it('shows numeric defaults as numbers', async () => {
    const h = (await runCli(['run', '--help'])).stdout;
    expect(h).toMatch(/--concurrency <n\|auto>[^]*?\(default: 4\)/);
    expect(h).toMatch(/\(choices: xmp, json, txt\)/);
  });

  it('--sidecar rejects a kind it does not list (exit 2), and accepts the listed ones repeated', async () => {
    const bad = await runCli(['run', 'x', '--sidecar', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Allowed choices are xmp, json, txt/);
    // The repository's examples, from a clean working folder (no .env of the developer's is read).
    const good = await runCli(['run', path.join(REPO_ROOT, 'examples/photos'), '--dry-run', '-q', '--sidecar', 'xmp', '--sidecar', 'txt']);
    expect(good.code, good.stderr).toBe(0);
  });
});
