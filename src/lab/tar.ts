/**
 * A minimal ustar writer: enough to hand docker's putArchive a few small files (host keys, init hooks) before a
 * container first starts, without a tar dependency or a temp dir.
 */

export interface TarFile {
  /** Path inside the archive, relative (no leading slash), at most 99 bytes. */
  path: string;
  content: string | Buffer;
  mode?: number;
}

/** Packs regular files owned by root into an uncompressed tar. */
export function packTar(files: readonly TarFile[]): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const name = file.path.replace(/^\/+/, '');
    if (Buffer.byteLength(name) > 99) throw new Error(`tar path too long: ${name}`);
    const body = Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content, 'utf8');
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write(octal(file.mode ?? 0o644, 8), 100, 'ascii');
    header.write(octal(0, 8), 108, 'ascii');
    header.write(octal(0, 8), 116, 'ascii');
    header.write(octal(body.length, 12), 124, 'ascii');
    header.write(octal(Math.floor(Date.now() / 1000), 12), 136, 'ascii');
    header.write('        ', 148, 'ascii');
    header.write('0', 156, 'ascii');
    header.write('ustar\u000000', 257, 'binary');
    header.write('root', 265, 'ascii');
    header.write('root', 297, 'ascii');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(octal(sum, 7), 148, 'ascii');
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** Zero-padded octal with a trailing NUL, as ustar numeric fields are. */
function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\u0000';
}
