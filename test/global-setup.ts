import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Tests that spawn bin/photobatch.js need dist/ to match src/: build once before the suite.
 * Every temporary folder a test makes (os.tmpdir() reads TMPDIR) lands in one folder for this run,
 * removed when the suite ends: a full `npm test` leaves nothing behind in the system's temp dir.
 */
export default function setup(): () => void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], {
    stdio: 'inherit',
  });
  const previous = process.env.TMPDIR;
  const runTmp = mkdtempSync(path.join(os.tmpdir(), 'photobatch-test-run-'));
  process.env.TMPDIR = runTmp;
  return () => {
    rmSync(runTmp, { recursive: true, force: true });
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  };
}
