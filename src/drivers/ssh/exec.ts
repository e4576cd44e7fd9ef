/**
 * Runs one command on an open connection: stdin streamed then EOF, stdout/stderr streamed to callbacks and
 * collected up to a cap (the tail is kept, which is where errors are), timeout and abort close the channel.
 * A non-zero exit is a result; only transport failures, timeouts and aborts are errors.
 */
import type { Readable } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { TransientError } from '../../errors.js';
import type { ExecOptions } from '../types.js';
import { ChannelOpenError } from './errors.js';
import { shellQuote } from '../../util/shell.js';

export interface RunOptions extends ExecOptions {
  /** Bytes kept per stream; older output is dropped. */
  maxBytes: number;
  /** How messages name the target. */
  where: string;
}

export interface RunResult {
  code: number;
  signal?: string;
  stdout: Buffer;
  stderr: Buffer;
  truncated: boolean;
  durationMs: number;
}

/** Keeps the last `max` bytes of a stream without copying on every chunk. */
function createTail(max: number): { push(chunk: Buffer): void; value(): Buffer; truncated(): boolean } {
  const chunks: Buffer[] = [];
  let size = 0;
  let dropped = false;
  return {
    push(chunk) {
      chunks.push(chunk);
      size += chunk.length;
      while (size > max && chunks.length > 1 && size - (chunks[0]?.length ?? 0) >= max) {
        size -= chunks.shift()?.length ?? 0;
        dropped = true;
      }
    },
    value() {
      const all = Buffer.concat(chunks, size);
      if (all.length <= max) return all;
      dropped = true;
      return all.subarray(all.length - max);
    },
    truncated: () => dropped,
  };
}

function feedStdin(channel: ClientChannel, stdin: ExecOptions['stdin'], onError: (err: unknown) => void): void {
  if (stdin === undefined) {
    channel.end();
  } else if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) {
    channel.end(stdin);
  } else {
    const source: Readable = stdin;
    source.once('error', onError);
    source.pipe(channel);
  }
}

/** The first stderr line of a `killTree` command: the process group id on the host, never shown as output. */
const PGID_MARK = '@@driftless-pgid ';

const shq = shellQuote;

/**
 * `command` in a new session (setsid -w waits and passes the exit status on) that first reports its pid, which is
 * also its process group id, on stderr; then the login shell runs the command as it would have. Without setsid
 * (busybox, old util-linux) the command runs as before and a cancel signals the channel only.
 */
export function treeCommand(command: string): string {
  const inner = `printf '${PGID_MARK}%s\\n' $$ >&2; exec "$0" -c "$1"`;
  return `if command -v setsid >/dev/null 2>&1; then exec setsid -w sh -c ${shq(inner)} "\${SHELL:-/bin/sh}" ${shq(command)}; else exec "\${SHELL:-/bin/sh}" -c ${shq(command)}; fi`;
}

/** Ends a process group on the host over a second channel; resolves once the kill command started (or 2 s). */
function killGroup(client: Client, pgid: number): Promise<void> {
  return new Promise((resolve) => {
    const cap = setTimeout(resolve, 2000);
    try {
      client.exec(`kill -TERM -- -${pgid} 2>/dev/null; sleep 2; kill -KILL -- -${pgid} 2>/dev/null; true`, (err, ch) => {
        clearTimeout(cap);
        if (!err) {
          ch.on('close', () => undefined);
          ch.resume();
          ch.end();
        }
        resolve();
      });
    } catch {
      clearTimeout(cap);
      resolve();
    }
  });
}

/** Opens a channel, runs `command` and resolves with its exit status and (capped) output. */
export function runCommand(client: Client, command: string, options: RunOptions): Promise<RunResult> {
  const { signal, timeoutMs, where } = options;
  if (signal?.aborted) {
    return Promise.reject(new TransientError('Cancelled', `command on ${where} cancelled before it started`, { cause: signal.reason }));
  }
  const started = performance.now();
  const stdout = createTail(options.maxBytes);
  const stderr = createTail(options.maxBytes);

  return new Promise<RunResult>((resolve, reject) => {
    let settled = false;
    let channel: ClientChannel | undefined;
    let timer: NodeJS.Timeout | undefined;
    const exit: { code?: number; signal?: string } = {};
    let pgid: number | undefined;
    let pendingErr = options.killTree ? '' : undefined;

    const finish = (err: unknown, result?: RunResult): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined && result) {
        resolve(result);
        return;
      }
      if (channel) {
        try {
          channel.signal('KILL');
        } catch {
          // the channel may already be gone; closing below is what matters
        }
        channel.close();
      }
      if (pgid !== undefined) void killGroup(client, pgid).then(() => reject(err));
      else reject(err);
    };
    /** Takes the pgid line off the front of stderr (it may arrive split over chunks); the rest is output. */
    const onStderrChunk = (chunk: Buffer): void => {
      if (pendingErr === undefined) {
        stderr.push(chunk);
        options.onStderr?.(chunk);
        return;
      }
      pendingErr += chunk.toString('latin1');
      const nl = pendingErr.indexOf('\n');
      if (nl < 0 && pendingErr.length < 64) return;
      const first = nl >= 0 ? pendingErr.slice(0, nl) : '';
      const rest = Buffer.from(nl >= 0 && first.startsWith(PGID_MARK) ? pendingErr.slice(nl + 1) : pendingErr, 'latin1');
      if (first.startsWith(PGID_MARK)) pgid = Number(first.slice(PGID_MARK.length)) || undefined;
      pendingErr = undefined;
      if (rest.length > 0) {
        stderr.push(rest);
        options.onStderr?.(rest);
      }
    };
    const onAbort = (): void => {
      finish(new TransientError('Cancelled', `command on ${where} cancelled`, { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    // Every listener is attached inside the open callback: output, exit status and close can arrive in the same
    // packet batch as the open confirmation, before any promise continuation would run.
    const opened = (err: Error | undefined, ch: ClientChannel): void => {
      if (err) {
        finish(new ChannelOpenError(`cannot open ssh channel: ${err.message.toLowerCase()}`, { cause: err }));
        return;
      }
      channel = ch;
      if (settled) {
        ch.close();
        return;
      }
      if (timeoutMs !== undefined && timeoutMs > 0) {
        timer = setTimeout(() => {
          finish(new TransientError('Timeout', `command on ${where} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
      }
      ch.on('data', (chunk: Buffer) => {
        stdout.push(chunk);
        options.onStdout?.(chunk);
      });
      ch.stderr.on('data', onStderrChunk);
      ch.on('exit', (code: number | null, sig?: string) => {
        if (typeof code === 'number') exit.code = code;
        if (typeof sig === 'string') exit.signal = sig;
      });
      ch.on('error', (chErr: Error) => {
        finish(new TransientError('Unreachable', `ssh channel to ${where} failed: ${chErr.message.toLowerCase()}`, { cause: chErr }));
      });
      ch.on('close', () => {
        if (pendingErr) {
          stderr.push(Buffer.from(pendingErr, 'latin1'));
          pendingErr = undefined;
        }
        if (exit.code === undefined && exit.signal === undefined) {
          finish(new TransientError('Unreachable', `ssh connection to ${where} was lost while a command ran`));
          return;
        }
        finish(undefined, {
          code: exit.code ?? 128,
          ...(exit.signal !== undefined ? { signal: exit.signal } : {}),
          stdout: stdout.value(),
          stderr: stderr.value(),
          truncated: stdout.truncated() || stderr.truncated(),
          durationMs: Math.round(performance.now() - started),
        });
      });
      feedStdin(ch, options.stdin, (stdinErr) => {
        finish(new TransientError('CommandFailed', `stdin for command on ${where} failed`, { cause: stdinErr }));
      });
    };

    try {
      client.exec(options.killTree ? treeCommand(command) : command, opened);
    } catch (err) {
      const text = err instanceof Error ? err.message.toLowerCase() : String(err);
      finish(new ChannelOpenError(`cannot open ssh channel: ${text}`, { cause: err }));
    }
  });
}
