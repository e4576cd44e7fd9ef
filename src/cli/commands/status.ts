/** `driftless status`: what the journal recorded — per-resource conditions and the last run. Read-only. */
import { join } from 'node:path';
import { openJournalReadOnly } from '../../journal/index.js';
import { defaultStateDir } from '../../reconcile/runtime.js';
import type { CommonOptions } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { printJson, printStatus } from '../output.js';

export async function statusCommand(opts: CommonOptions): Promise<ExitCode> {
  const journal = await openJournalReadOnly(join(opts.stateDir ?? defaultStateDir(), 'journal.json'));
  const data = journal.read();
  const statuses = Object.values(data.statuses);
  const lastRun = data.runs[0];
  if (opts.json) printJson({ lastGoodRevision: data.lastGoodRevision, lastRun, resources: statuses });
  else printStatus(statuses, { lastGoodRevision: data.lastGoodRevision, lastRun });
  const stalled = statuses.some((s) => s.conditions.some((c) => c.type === 'Stalled' && c.status === 'True'));
  return stalled || lastRun?.outcome === 'Stalled' ? EXIT.invalid : EXIT.ok;
}
