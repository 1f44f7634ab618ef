import { statfs } from 'node:fs/promises';

// Linux statfs f_type magic numbers of file systems whose change events do not reach this machine
// when another machine writes (linux/magic.h; fuse covers sshfs and most NAS clients; 9p covers WSL and VM shares).
const NETWORK_FS: ReadonlyMap<number, string> = new Map([
  [0x6969, 'nfs'], [0x517b, 'smb'], [0xff534d42, 'cifs'], [0xfe534d42, 'smb2'], [0x65735546, 'fuse'],
  [0x01021997, '9p'], [0x73757245, 'coda'], [0x5346414f, 'afs'], [0x00c36400, 'ceph'], [0x47504653, 'gpfs'],
]);

/** The network file system `dir` is on, or undefined for a local disk (or when it cannot be told). */
export async function networkFileSystem(dir: string, platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  if (platform !== 'linux') return undefined;
  try {
    return NETWORK_FS.get(Number((await statfs(dir)).type) >>> 0);
  } catch {
    return undefined;
  }
}
