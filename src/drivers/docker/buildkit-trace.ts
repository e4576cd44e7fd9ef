/**
 * BuildKit builds report progress as `moby.buildkit.trace` messages whose `aux` is a base64 protobuf
 * `StatusResponse` (moby/buildkit control.proto). This decodes the few fields a build log needs, with no
 * protobuf library: vertex names (the steps), their errors and cache hits, and the output of RUN steps, and
 * turns them into plain log lines so build logs and failure messages read the same as with the legacy builder.
 */
import { TransientError } from '../../errors.js';

interface Vertex {
  digest: string;
  name: string;
  cached: boolean;
  started: boolean;
  completed: boolean;
  error: string;
}

type Field = { no: number; wire: number; int: number; bytes?: Buffer };

/** Splits one protobuf message into its fields (varint and length-delimited; fixed types skipped). */
function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (i >= buf.length) throw new TransientError('InternalError', 'truncated protobuf varint');
      const b = buf[i++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) out.push({ no, wire, int: varint() });
    else if (wire === 2) {
      const len = varint();
      out.push({ no, wire, int: len, bytes: buf.subarray(i, i + len) });
      i += len;
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else throw new TransientError('InternalError', `unsupported protobuf wire type ${wire}`);
  }
  return out;
}

function vertexOf(buf: Buffer): Vertex {
  const v: Vertex = { digest: '', name: '', cached: false, started: false, completed: false, error: '' };
  for (const f of fields(buf)) {
    if (f.no === 1 && f.bytes) v.digest = f.bytes.toString('utf8');
    else if (f.no === 3 && f.bytes) v.name = f.bytes.toString('utf8');
    else if (f.no === 4) v.cached = f.int !== 0;
    else if (f.no === 5) v.started = true;
    else if (f.no === 6) v.completed = true;
    else if (f.no === 7 && f.bytes) v.error = f.bytes.toString('utf8');
  }
  return v;
}

/** Stateful decoder for one build: vertex numbering and what was already said about each step. */
export interface TraceDecoder {
  /** Log lines for one `aux` payload (base64); undecodable payloads yield nothing. */
  lines(aux: string): string[];
}

export function createTraceDecoder(): TraceDecoder {
  const seen = new Map<string, { n: number; name: string; said: Set<string>; partial: string }>();
  const step = (digest: string, name: string) => {
    let s = seen.get(digest);
    if (!s) {
      s = { n: seen.size + 1, name, said: new Set(), partial: '' };
      seen.set(digest, s);
    }
    if (name) s.name = name;
    return s;
  };
  return {
    lines(aux: string): string[] {
      const out: string[] = [];
      let top: Field[];
      try {
        top = fields(Buffer.from(aux, 'base64'));
      } catch {
        return out;
      }
      for (const f of top) {
        if (!f.bytes) continue;
        if (f.no === 1) {
          const v = vertexOf(f.bytes);
          const s = step(v.digest, v.name);
          const say = (what: string, line: string): void => {
            if (s.said.has(what)) return;
            s.said.add(what);
            out.push(line);
          };
          if (v.started || v.cached) say('start', `#${s.n} ${s.name}`);
          if (v.cached) say('cached', `#${s.n} CACHED`);
          if ((v.error || v.completed) && s.partial) {
            out.push(`#${s.n} ${s.partial}`);
            s.partial = '';
          }
          if (v.error) say('error', `#${s.n} ERROR: ${v.error}`);
          else if (v.completed && !v.cached) say('done', `#${s.n} DONE`);
        } else if (f.no === 3) {
          let vertex = '';
          let msg = '';
          for (const g of fields(f.bytes)) {
            if (g.no === 1 && g.bytes) vertex = g.bytes.toString('utf8');
            else if (g.no === 4 && g.bytes) msg = g.bytes.toString('utf8');
          }
          const s = step(vertex, '');
          const parts = (s.partial + msg).split('\n');
          s.partial = parts.pop() ?? '';
          for (const p of parts) out.push(`#${s.n} ${p.replace(/\r$/, '')}`);
        }
      }
      return out;
    },
  };
}
