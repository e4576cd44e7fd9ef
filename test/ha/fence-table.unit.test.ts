/**
 * The README's HA guarantees table says, per action kind, where the leader's fence is checked (issue 16). This
 * keeps it true as drivers come and go: a driver built on the SSH driver is fenced before each command (the SSH
 * driver checks, test/ha/ssh-fence.unit.test.ts); every other transport that acts on the world is fenced only
 * before the task, so it must have a row saying so and must not check the fence itself (if it starts to, the row
 * is out of date). Machine providers are covered by the machine-creation row.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const start = readme.indexOf('## High availability (etcd)');
const rows = readme
  .slice(start, readme.indexOf('\n## ', start + 1))
  .split('\n')
  .filter((l) => l.trim().startsWith('|'));
/** Transports not on the SSH driver, and the word their table row names them by. */
const TASK_FENCED: Record<string, string> = { docker: 'Docker', 'docker-swarm': 'Swarm', aliyun: 'Aliyun' };
const NOT_ACTIONS = new Set(['contracts', 'ssh', 'provider', 'lab-provider']);

const sources = (dir: string) =>
  readdirSync(join(root, 'src/drivers', dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(root, 'src/drivers', dir, f), 'utf8'))
    .join('\n');

describe('README HA guarantees table vs the drivers', () => {
  const drivers = readdirSync(join(root, 'src/drivers'), { withFileTypes: true }).filter((e) => e.isDirectory() && !NOT_ACTIONS.has(e.name));

  it('every driver is either on the SSH driver or has a row saying it is fenced before the task only', () => {
    expect(rows.length).toBeGreaterThan(5);
    for (const d of drivers) {
      const text = sources(d.name);
      if (/\bSshDriver\b/.test(text) && !(d.name in TASK_FENCED)) continue;
      const word = TASK_FENCED[d.name];
      expect(word, `src/drivers/${d.name}: add it to TASK_FENCED and to the README's HA guarantees table`).toBeDefined();
      const row = rows.find((r) => r.includes(word!));
      expect(row, `README HA table row for ${word}`).toBeDefined();
      expect(row).toContain('fenced before the task, not before each');
      expect(text, `src/drivers/${d.name} checks the fence itself: update its README row`).not.toMatch(/\bfence\b/);
    }
  });
});
