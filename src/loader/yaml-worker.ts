/**
 * Runs YAML parsing in a worker thread (parse-worker-source.ts) so that no file, however crafted, blocks the daemon's
 * event loop: /healthz, webhooks and SIGTERM keep being answered while a commit is parsed. One worker per heap limit
 * per process, for every file of a load and for loads in quick succession (ended after IDLE_MS without work); files
 * are parsed one after another in the order they were asked for.
 *
 * Each file has a time budget: when the oldest unanswered file is still not parsed after it, the worker is
 * terminated, that file gets a failure, and a new worker takes the files queued behind it. A worker that runs out
 * of its heap (resourceLimits) is handled the same way. The worker is referenced only while files are pending, so a
 * CLI run exits as soon as its load is done.
 */
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { MAX_ALIAS_COUNT } from './limits.js';
import { PARSE_WORKER_SOURCE } from './parse-worker-source.js';
import type { PositionIndex } from './positions.js';

/** One document as the worker describes it (see parse-worker-source.ts). */
export interface RawDoc {
  problems: { line: number; col: number; message: string }[];
  empty: boolean;
  value?: unknown;
  index: PositionIndex;
}

/** The documents of a file, or why it has none (then a problem at the file's start). */
export type ParseReply = { docs: RawDoc[] } | { failure: string };

interface Job {
  id: number;
  text: string;
  timeoutMs: number;
  resolve: (reply: ParseReply) => void;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

class YamlWorker {
  private worker: Worker | undefined;
  private replies: MessagePort | undefined;
  private readonly queue: Job[] = [];
  private timer: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;
  private nextId = 1;

  constructor(private readonly heapMb: number) {}

  parse(text: string, timeoutMs: number): Promise<ParseReply> {
    return new Promise((resolve) => {
      clearTimeout(this.idle);
      const job: Job = { id: this.nextId++, text, timeoutMs, resolve };
      this.queue.push(job);
      const worker = this.spawned();
      worker.ref();
      worker.postMessage({ id: job.id, text });
      if (this.queue.length === 1) this.arm();
    });
  }

  /** Starts the worker ahead of its first file; idle, it holds the process open no more than after its last file. */
  warm(): void {
    this.spawned();
    if (this.queue.length === 0) this.arm();
  }

  private spawned(): Worker {
    if (this.worker) return this.worker;
    const { port1, port2 } = new MessageChannel();
    // the yaml the rest of the process uses (for the bundle: the one next to it, packages being external)
    const yamlPath = createRequire(import.meta.url).resolve('yaml');
    const worker = new Worker(PARSE_WORKER_SOURCE, {
      eval: true,
      workerData: { replies: port2, yamlPath, maxAliasCount: MAX_ALIAS_COUNT },
      transferList: [port2],
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb },
    });
    port1.on('message', (m: { id: number } & ParseReply) => this.settle(m));
    port1.unref();
    worker.on('error', (err: Error & { code?: string }) => {
      if (this.worker !== worker) return;
      const oom = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.fail(oom ? `needs more than ${this.heapMb} MiB of memory to parse` : `cannot be parsed: ${err.message}`);
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.fail('cannot be parsed: the YAML parser exited');
    });
    this.worker = worker;
    this.replies = port1;
    return worker;
  }

  /** A reply for the oldest job (the worker answers in order). */
  private settle(m: { id: number } & ParseReply): void {
    const head = this.queue[0];
    if (!head || head.id !== m.id) return; // a reply from a worker already given up on
    this.queue.shift();
    head.resolve('failure' in m ? { failure: m.failure } : { docs: m.docs });
    this.arm();
  }

  /** Starts the budget of the job now at the head of the queue; lets the process exit when nothing is pending. */
  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const head = this.queue[0];
    if (!head) {
      this.worker?.unref();
      clearTimeout(this.idle);
      this.idle = setTimeout(() => this.retire(), IDLE_MS).unref();
      return;
    }
    this.timer = setTimeout(() => this.expire(head), head.timeoutMs);
  }

  private expire(job: Job): void {
    // The main thread may have been busy when the budget ran out: replies already sent count.
    for (let m = this.replies && receiveMessageOnPort(this.replies); m; m = this.replies && receiveMessageOnPort(this.replies)) {
      this.settle(m.message as { id: number } & ParseReply);
    }
    if (this.queue[0] === job) this.fail(`took longer than ${seconds(job.timeoutMs)} to parse`);
  }

  /** Ends an idle worker: its isolate and heap are ~15-20 MiB of a daemon that may not load again for minutes. */
  private retire(): void {
    if (this.queue.length > 0 || !this.worker) return;
    const worker = this.worker;
    this.worker = undefined;
    this.replies?.close();
    this.replies = undefined;
    void worker.terminate();
  }

  /** Gives the head job `failure`, replaces the worker, and hands it the jobs that were queued behind. */
  private fail(failure: string): void {
    const worker = this.worker;
    this.worker = undefined;
    this.replies?.close();
    this.replies = undefined;
    void worker?.terminate();
    const head = this.queue.shift();
    head?.resolve({ failure });
    if (this.queue.length > 0) {
      const next = this.spawned();
      for (const job of this.queue) next.postMessage({ id: job.id, text: job.text });
    }
    this.arm();
  }
}

/**
 * How long a worker outlives its last file: loads close together (settings then the repo; commits in a burst) share
 * one, and a daemon between commits does not keep it. Kept, it raised bench/daemon-scale's peak RSS from 129-143 to
 * 153-158 MiB (the run after the load peaks with it resident); a new one costs ~50 ms per load.
 */
const IDLE_MS = 1_000;

const workers = new Map<number, YamlWorker>();

function workerFor(heapMb: number): YamlWorker {
  let w = workers.get(heapMb);
  if (!w) workers.set(heapMb, (w = new YamlWorker(heapMb)));
  return w;
}

/** Parses one file's text in the process's parse worker (one per heap limit), within `timeoutMs`. */
export function parseInWorker(text: string, opts: { timeoutMs: number; heapMb: number }): Promise<ParseReply> {
  return workerFor(opts.heapMb).parse(text, opts.timeoutMs);
}

/**
 * Starts the parse worker now, so that its start-up (~50 ms: an isolate and the yaml package) overlaps the caller's
 * own work instead of preceding the first parse: a load calls it before loading its schemas (issue 20).
 */
export function warmParseWorker(heapMb: number): void {
  workerFor(heapMb).warm();
}
