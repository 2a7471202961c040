import { posix } from 'node:path';

// Every entry under a directory, as lstat sees it: type, mode, owner, and the bytes or the link
// target. Two snapshots are equal exactly when nothing was written, chmod'ed or moved.

interface SnapshotFs {
  lstatSync(path: string): { mode: number | bigint; uid: number | bigint; isDirectory(): boolean; isSymbolicLink(): boolean; isFile(): boolean };
  readdirSync(path: string): unknown[];
  readFileSync(path: string): Buffer | string;
  readlinkSync(path: string): string | Buffer;
}

export function snapshotFs(fs: SnapshotFs, dir = '/'): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: string) => {
    const st = fs.lstatSync(path);
    const meta = `${(Number(st.mode) & 0o7777).toString(8)} ${Number(st.uid)}`;
    if (st.isSymbolicLink()) out[path] = `link ${meta} -> ${String(fs.readlinkSync(path))}`;
    else if (st.isDirectory()) {
      out[path] = `dir ${meta}`;
      for (const name of fs.readdirSync(path).map(String).sort()) walk(posix.join(path, name));
    } else if (st.isFile()) out[path] = `file ${meta} ${Buffer.from(fs.readFileSync(path)).toString('base64')}`;
    else out[path] = `special ${meta}`;
  };
  walk(dir);
  return out;
}
