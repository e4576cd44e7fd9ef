/**
 * The operation log attributes what kinds log while applying to the resource being applied, across concurrent
 * applies and child loggers, and leaves lines logged outside an apply alone; the feed shows them sanitised.
 */
import { describe, expect, it } from 'vitest';
import type { KindModule, KindRegistry, Logger } from '../../src/kinds/types.js';
import { attributedRegistry, oplogLogger, type OplogEntry } from '../../src/reconcile/oplog.js';
import { createDashboardFeed, operationText } from '../../src/server/dashboard/feed.js';
import { registerSecret } from '../../src/util/sanitize.js';

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, child: () => quiet };

function kind(name: string, work: (logger: Logger, key: string) => Promise<void>): KindModule<any, any> {
  return { kind: name, apply: (task: { key: string }, ctx: { logger: Logger }) => work(ctx.logger, task.key), remove: async (entry: { key: string }, ctx: { logger: Logger }) => ctx.logger.warn({ id: 'i-1' }, `removing ${entry.key}`) } as unknown as KindModule<any, any>;
}

describe('operation log', () => {
  it('lines logged inside apply/remove go to the resource being applied, concurrent applies included', async () => {
    const entries: OplogEntry[] = [];
    const logger = oplogLogger(quiet, (e) => entries.push(e));
    const tick = () => new Promise((r) => setImmediate(r));
    const registry: KindRegistry = new Map([
      ['Pool', kind('Pool', async (l) => {
        const log = l.child({ pool: 'web' });
        for (const batch of [['web-0'], ['web-1']]) {
          await tick();
          log.info({ batch }, 'pool rollout batch');
        }
      })],
      ['MachineSet', kind('MachineSet', async (l) => {
        await tick();
        l.info({ machine: 'm-1', id: 'i-1' }, 'machine created');
        l.debug({}, 'not an operation');
      })],
    ]);
    const wrapped = attributedRegistry(registry);
    const ctx = { logger } as never;
    await Promise.all([
      wrapped.get('Pool')!.apply({ key: 'Pool/web' } as never, ctx),
      wrapped.get('MachineSet')!.apply({ key: 'MachineSet/m' } as never, ctx),
    ]);
    await wrapped.get('MachineSet')!.remove!({ key: 'MachineSet/old' } as never, ctx);
    logger.info({}, 'outside any apply');
    expect(entries.map((e) => [e.key, e.msg, e.fields])).toEqual(
      expect.arrayContaining([
        ['Pool/web', 'pool rollout batch', { pool: 'web', batch: ['web-0'] }],
        ['Pool/web', 'pool rollout batch', { pool: 'web', batch: ['web-1'] }],
        ['MachineSet/m', 'machine created', { machine: 'm-1', id: 'i-1' }],
        ['MachineSet/old', 'removing MachineSet/old', { id: 'i-1' }],
      ]),
    );
    expect(entries).toHaveLength(4);
    expect(wrapped.get('Pool')!.kind).toBe('Pool');
  });

  it('the feed keeps them per resource, readable and without secrets', () => {
    registerSecret('oplog-secret-value-123');
    expect(operationText('nginx unit published', { unit: 'edge', hosts: ['lb-1', 'lb-2'], password: 'x', url: 'https://u:oplog-secret-value-123@h/' })).toBe(
      'nginx unit published: unit=edge, hosts=[lb-1, lb-2], password=***, url=https://***@h/',
    );
    const feed = createDashboardFeed();
    feed.operation('Pool/web', 'warn', 'pool step failed', { node: 'web-1', err: 'exit 3' });
    expect(feed.entries('Pool/web').map((e) => e.text)).toEqual(['warn: pool step failed: node=web-1, err=exit 3']);
  });
});
