/**
 * Prometheus text exposition written by hand (no client library): a handful of counters, one histogram and gauges
 * computed at scrape time from the journal. Names follow Flux and Argo CD so existing dashboards translate.
 */
export type Labels = Record<string, string>;

export interface Metrics {
  /** Adds 1 (or `by`) to a counter series. */
  inc(name: CounterName, labels: Labels, by?: number): void;
  /** Records one reconcile duration. */
  observeReconcile(seconds: number, labels: Labels): void;
  /** Current value of a counter series (tests and /status). */
  value(name: CounterName, labels: Labels): number;
  /** Renders every series plus `gauges` (computed by the caller at scrape time). */
  render(gauges?: Gauge[]): string;
}

export type CounterName = 'driftless_runs_total' | 'driftless_git_requests_total' | 'driftless_webhook_requests_total';

export interface Gauge {
  name: string;
  help: string;
  samples: { labels: Labels; value: number }[];
}

const HELP: Record<CounterName, string> = {
  driftless_runs_total: 'Reconcile runs by outcome.',
  driftless_git_requests_total: 'Git requests by type (ls-remote, fetch, status-push) and result.',
  driftless_webhook_requests_total: 'Webhook deliveries by source and result.',
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

export function createMetrics(): Metrics {
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
    render(gauges = []) {
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
      return lines.join('\n') + '\n';
    },
  };
}
