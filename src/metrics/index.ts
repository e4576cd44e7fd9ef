/**
 * Prometheus text exposition: a handful of counters, one histogram and gauges computed at scrape time from the
 * journal, written here (a few lines; tests read counters synchronously), plus the process and runtime metrics that
 * prom-client collects well (CPU, resident memory, heap, event-loop lag, GC, open fds) for a daemon that asks for
 * them. prom-client is imported only then, so one-shot commands do not load it. Names follow Flux and Argo CD.
 */
export type Labels = Record<string, string>;

export interface Metrics {
  /** Adds 1 (or `by`) to a counter series. */
  inc(name: CounterName, labels: Labels, by?: number): void;
  /** Records one reconcile duration. */
  observeReconcile(seconds: number, labels: Labels): void;
  /** Current value of a counter series (tests and /status). */
  value(name: CounterName, labels: Labels): number;
  /** Renders every series plus `gauges` (computed by the caller at scrape time) and the process metrics if on. */
  render(gauges?: Gauge[]): Promise<string>;
}

export interface MetricsOptions {
  /** Also expose prom-client's default process and runtime metrics, prefixed `driftless_` (the daemon). */
  processMetrics?: boolean;
}

/** prom-client's registry with its default metrics, loaded on first use. */
function processRegistry(): () => Promise<string> {
  let loading: Promise<{ metrics(): Promise<string> }> | undefined;
  return async () => {
    loading ??= import('prom-client').then(({ Registry, collectDefaultMetrics }) => {
      const register = new Registry();
      collectDefaultMetrics({ register, prefix: 'driftless_' });
      return register;
    });
    return (await loading).metrics();
  };
}

export type CounterName =
  | 'driftless_runs_total'
  | 'driftless_git_requests_total'
  | 'driftless_webhook_requests_total'
  | 'driftless_previews_total'
  | 'driftless_leader_elections_total'
  | 'driftless_leadership_changes_total';

export interface Gauge {
  name: string;
  help: string;
  samples: { labels: Labels; value: number }[];
}

const HELP: Record<CounterName, string> = {
  driftless_runs_total: 'Reconcile runs by outcome.',
  driftless_git_requests_total: 'Git requests by type (ls-remote, fetch, status-push) and result.',
  driftless_webhook_requests_total: 'Webhook deliveries by source and result.',
  driftless_previews_total: 'Plan previews of pull requests by forge and state (success, failure, error, superseded).',
  driftless_leader_elections_total: 'Campaigns for the leader key this replica won or lost (HA mode).',
  driftless_leadership_changes_total: 'Times this replica became leader or follower (HA mode).',
};

const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

function escape(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escape(labels[k] ?? '')}"`).join(',')}}`;
}

interface Histogram {
  labels: Labels;
  counts: number[];
  sum: number;
  count: number;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const processText = options.processMetrics ? processRegistry() : undefined;
  const counters = new Map<CounterName, Map<string, { labels: Labels; value: number }>>();
  const histograms = new Map<string, Histogram>();
  return {
    inc(name, labels, by = 1) {
      let series = counters.get(name);
      if (!series) counters.set(name, (series = new Map()));
      const key = labelText(labels);
      const cur = series.get(key) ?? { labels, value: 0 };
      cur.value += by;
      series.set(key, cur);
    },
    value(name, labels) {
      return counters.get(name)?.get(labelText(labels))?.value ?? 0;
    },
    observeReconcile(seconds, labels) {
      const key = labelText(labels);
      let h = histograms.get(key);
      if (!h) histograms.set(key, (h = { labels, counts: BUCKETS.map(() => 0), sum: 0, count: 0 }));
      BUCKETS.forEach((b, i) => {
        if (seconds <= b) h!.counts[i]! += 1;
      });
      h.sum += seconds;
      h.count += 1;
    },
    async render(gauges = []) {
      const lines: string[] = [];
      for (const name of Object.keys(HELP) as CounterName[]) {
        lines.push(`# HELP ${name} ${HELP[name]}`, `# TYPE ${name} counter`);
        for (const s of counters.get(name)?.values() ?? []) lines.push(`${name}${labelText(s.labels)} ${s.value}`);
      }
      const hn = 'driftless_reconcile_duration_seconds';
      lines.push(`# HELP ${hn} Duration of reconcile runs (plan + apply) by outcome.`, `# TYPE ${hn} histogram`);
      for (const h of histograms.values()) {
        BUCKETS.forEach((b, i) => lines.push(`${hn}_bucket${labelText({ ...h.labels, le: String(b) })} ${h.counts[i]}`));
        lines.push(`${hn}_bucket${labelText({ ...h.labels, le: '+Inf' })} ${h.count}`);
        lines.push(`${hn}_sum${labelText(h.labels)} ${h.sum}`, `${hn}_count${labelText(h.labels)} ${h.count}`);
      }
      for (const g of gauges) {
        lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`);
        for (const s of g.samples) lines.push(`${g.name}${labelText(s.labels)} ${s.value}`);
      }
      const own = lines.join('\n') + '\n';
      return processText ? own + (await processText()) : own;
    },
  };
}
