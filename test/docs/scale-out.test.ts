/**
 * docs/scale-out.md is run, not just read: its Kubernetes manifest is validated against the Kubernetes API schema
 * (kubernetes-models, generated from the Kubernetes OpenAPI spec), and its GNU parallel recipe runs for real
 * (Debian's `parallel`, several shards on this machine) against the fake server; the merged report is checked.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmod, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Job } from 'kubernetes-models/batch/v1';
import { parse as parseYaml } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenRouter, type FakeServer } from '../helpers/fake-openrouter.js';
import { BIN, REPO_ROOT } from '../helpers/run-cli.js';
import { makePhotoFolder, tempDir } from '../helpers/images.js';

const DOC = path.join(REPO_ROOT, 'docs/scale-out.md');

/** The fenced block whose first line is `# <marker>`. */
async function block(marker: string): Promise<string> {
  const text = await readFile(DOC, 'utf8');
  const fences = [...text.matchAll(/```(\w+)\n([\s\S]*?)```/g)];
  const found = fences.find((m) => m[2]!.startsWith(`# ${marker}\n`));
  if (!found) throw new Error(`no block # ${marker} in docs/scale-out.md`);
  return found[2]!;
}

const hasParallel = (() => {
  try {
    execFileSync('parallel', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('docs/scale-out.md', () => {
  it('the Kubernetes Indexed Job manifest is valid against the Kubernetes schema and shards by its completion index', async () => {
    const manifest = parseYaml(await block('kubernetes-indexed-job'));
    expect(() => new Job(manifest).validate()).not.toThrow();
    expect(manifest.spec.completionMode).toBe('Indexed');
    const args = manifest.spec.template.spec.containers[0].args.join(' ');
    expect(args).toContain(`--shard auto/${manifest.spec.completions}`);
    expect(args).toContain('--out /out/shard-${JOB_COMPLETION_INDEX}');
    // The schema check itself catches mistakes: a wrong type is rejected.
    expect(() => new Job({ ...manifest, spec: { ...manifest.spec, completions: 'eight' } }).validate()).toThrow(/completions/);
  });

  it('the AWS Batch job definition is JSON and shards by the array index', async () => {
    const text = await readFile(DOC, 'utf8');
    const json = /```json\n([\s\S]*?)```/.exec(text)![1]!;
    const def = JSON.parse(json);
    expect(def.containerProperties.command.join(' ')).toMatch(/--shard auto\/8 --out \/out\/shard-\$AWS_BATCH_JOB_ARRAY_INDEX/);
  });

  it.skipIf(!hasParallel && !process.env.CI)('the GNU parallel recipe runs 4 shards on this machine; the merged report is the sum of the shards', async () => {
    expect(hasParallel, 'CI installs Debian parallel (.ci/run)').toBe(true);
    server = await startFakeOpenRouter({ cost: (req) => 0.0001 * (1 + (req.n % 4)) });
    const photos = path.join(await makePhotoFolder(20), '');
    const root = await tempDir('photobatch parallel ');
    const out = path.join(root, 'out dir');
    const bin = await tempDir('photobatch-bin-');
    await writeFile(path.join(bin, 'photobatch'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    await chmod(path.join(bin, 'photobatch'), 0o755);
    const recipe = await block('gnu-parallel-recipe');
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-euo', 'pipefail', '-c', recipe], {
        cwd: root,
        env: {
          PATH: `${bin}:${process.env.PATH}`, HOME: root, PHOTOS: photos, OUT: out,
          OPENROUTER_API_KEY: 'sk-or-v1-' + 'ef56'.repeat(16), OPENROUTER_BASE_URL: server!.url, XDG_CACHE_HOME: root,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve({ code: c, stderr: err });
      });
    });
    expect(code, stderr).toBe(0);
    const shards = (await readdir(out)).filter((d) => d.startsWith('shard-')).sort();
    expect(shards).toEqual(['shard-1', 'shard-2', 'shard-3', 'shard-4']);
    const per = await Promise.all(shards.map(async (s) => JSON.parse(await readFile(path.join(out, s, 'cost-report.json'), 'utf8'))));
    const merged = JSON.parse(await readFile(path.join(out, 'cost-report.json'), 'utf8'));
    expect(per.reduce((a, r) => a + r.photos.total, 0)).toBe(20);
    expect(merged.photos).toMatchObject({ total: 20, ok: 20, failed: 0 });
    expect(merged.cost_usd.billed).toBeCloseTo(per.reduce((a, r) => a + r.cost_usd.billed, 0), 10);
    expect(merged.cost_usd.billed).toBeCloseTo(server.billed.reduce((a, b) => a + b.cost, 0), 10);
    expect(server.chatRequests()).toHaveLength(20);
    expect((await readFile(path.join(out, 'cost-report.csv'), 'utf8')).trim().split('\n')).toHaveLength(21);
    expect((await readFile(path.join(out, 'report.html'), 'utf8')).match(/<article /g)).toHaveLength(20);
  });
});
