import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** The file's size, 0 if it does not exist yet: where the next start attempt's output begins. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The file's text from byte `offset` on ('' if the file does not exist). */
export function readFrom(path: string, offset = 0): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(64 * 1024);
    for (let position = offset; ;) {
      const n = readSync(fd, buffer, 0, buffer.length, position);
      if (n === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, n)));
      position += n;
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The last `lines` lines of `text` (a trailing newline does not count as an empty last line). */
export function lastLines(text: string, lines: number): string {
  const all = text.split('\n');
  if (all.at(-1) === '') all.pop();
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}
