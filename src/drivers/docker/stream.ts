/**
 * Follows the engine's JSON-lines progress stream (build and push) line by line: log text is surfaced as it
 * arrives, `error` / `errorDetail` become the failure, and the last lines are kept for status messages.
 */
import type { Readable } from 'node:stream';
import { createTraceDecoder } from './buildkit-trace.js';

export interface StreamOutcome {
  /** The engine's error message, when the stream reported one. */
  error?: string;
  /** `aux.ID` of a build: the image id. */
  imageId?: string;
  lastLines: string[];
}

interface StreamMessage {
  stream?: string;
  status?: string;
  id?: string;
  progress?: string;
  error?: string;
  errorDetail?: { message?: string };
  /** `{ ID }` for the image id; a base64 protobuf for `moby.buildkit.trace` messages. */
  aux?: { ID?: string } | string;
}

/** Reads the stream to its end; `keep` lines of log are retained. Rejects only when the stream itself fails. */
export async function followStream(stream: Readable, onLog: ((line: string) => void) | undefined, keep = 20): Promise<StreamOutcome> {
  const out: StreamOutcome = { lastLines: [] };
  let pending = '';
  let partial = '';
  const trace = createTraceDecoder();
  const emit = (line: string): void => {
    out.lastLines.push(line);
    if (out.lastLines.length > keep) out.lastLines.shift();
    onLog?.(line);
  };
  const text = (s: string): void => {
    const parts = (partial + s).split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) emit(p.replace(/\r$/, ''));
  };
  const handle = (raw: string): void => {
    if (raw.trim() === '') return;
    let msg: StreamMessage;
    try {
      msg = JSON.parse(raw) as StreamMessage;
    } catch {
      text(`${raw}\n`);
      return;
    }
    if (msg.stream !== undefined) text(msg.stream);
    if (msg.status !== undefined && msg.progress === undefined) text(`${msg.id ? `${msg.id}: ` : ''}${msg.status}\n`);
    if (typeof msg.aux === 'string') {
      if (msg.id === 'moby.buildkit.trace') for (const l of trace.lines(msg.aux)) emit(l);
    } else if (msg.aux?.ID) out.imageId = msg.aux.ID;
    const error = msg.errorDetail?.message ?? msg.error;
    if (error !== undefined) {
      out.error = error.trim();
      text(`error: ${error.trim()}\n`);
    }
  };
  for await (const chunk of stream) {
    pending += Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) handle(l);
  }
  handle(pending);
  if (partial !== '') emit(partial);
  return out;
}
