import { execFile } from 'node:child_process';

/**
 * The Perl ExifTool would run on (exiftool-vendored starts `perl` from PATH, except on Windows,
 * where it ships its own). Resolves to its version, 'bundled', or undefined when none answers.
 */
export function findPerl(env: Record<string, string | undefined>, platform: NodeJS.Platform = process.platform): Promise<string | 'bundled' | undefined> {
  if (platform === 'win32') return Promise.resolve('bundled');
  const PATH = env.PATH ?? process.env.PATH ?? '';
  return new Promise((resolve) => {
    execFile('perl', ['-e', 'print $^V'], { timeout: 5000, env: { PATH } }, (err, stdout) => {
      resolve(err ? undefined : stdout.toString().trim().replace(/^v/, '') || undefined);
    });
  });
}
