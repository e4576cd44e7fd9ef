/** `driftless status` keeps its columns aligned whatever the names' length (issue 18.14). */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { printStatus } from '../../src/cli/output.js';
import type { ResourceStatus } from '../../src/model/conditions.js';

function status(key: string, ready: boolean): ResourceStatus {
  const [kind = '', name = ''] = key.split('/');
  return {
    key,
    kind,
    name,
    health: ready ? 'Healthy' : 'Degraded',
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'ReconciliationSucceeded' : 'Unreachable', message: 'm', lastTransitionTime: 't' }],
    updatedAt: 't',
  };
}

afterEach(() => vi.restoreAllMocks());

describe('printStatus', () => {
  it('starts the state column at the same place for short and long names', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    printStatus([status('Host/a', true), status('TaskTemplate/expand_my_server_with_a_long_opendcp_name', false)], {});
    const rows = lines.join('').split('\n').filter((l) => /Ready|NotReady/.test(l));
    expect(rows).toHaveLength(2);
    const col = rows.map((r) => r.search(/(Ready|NotReady) /));
    expect(col[0]).toBe(col[1]);
    expect(col[0]).toBeGreaterThan('  TaskTemplate/expand_my_server_with_a_long_opendcp_name'.length);
  });
});
