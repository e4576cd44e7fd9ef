import { describe, expect, it } from 'vitest';
import { diffHost } from '../../../src/kinds/host/diff.js';
import { parseFacts } from '../../../src/kinds/host/facts.js';
import { hostHealth } from '../../../src/kinds/host/health.js';
import { pendingSteps, planSteps, stepScript } from '../../../src/kinds/host/init-steps.js';
import type { HostObserved, HostSpec } from '../../../src/kinds/host/spec.js';
import type { Resource } from '../../../src/model/resource.js';

const steps = [
  { name: 'a', run: 'echo a' },
  { name: 'b', run: 'echo b' },
];
const host = (init = steps): Resource<HostSpec> => ({
  apiVersion: 'driftless.dev/v1',
  kind: 'Host',
  metadata: { name: 'h1' },
  spec: { address: '127.0.0.1', privateKey: { secret: 'k' }, init },
  source: { file: 'h.yaml', line: 1, col: 1 },
});
const digests = planSteps(steps).map((s) => s.digest);
const seen = (initDone: string[], extra: Partial<HostObserved> = {}): HostObserved => ({
  reachable: true,
  initDone,
  initWanted: digests,
  cpus: 2,
  memoryMiB: 1024,
  diskGiB: 10,
  ...extra,
});

describe('init step digests', () => {
  it('chain each step to the ones before it, so editing step 1 re-runs step 2 too', () => {
    const edited = planSteps([{ name: 'a', run: 'echo A' }, steps[1]!]).map((s) => s.digest);
    expect(edited[0]).not.toBe(digests[0]);
    expect(edited[1]).not.toBe(digests[1]);
    const appended = planSteps([...steps, { name: 'c', run: 'echo c' }]).map((s) => s.digest);
    expect(appended.slice(0, 2)).toEqual(digests);
  });

  it('lists only the steps not recorded on the host', () => {
    expect(pendingSteps(planSteps(steps), [digests[0]!]).map((s) => s.name)).toEqual(['b']);
  });

  it('writes the marker only after the step text succeeded', () => {
    const script = stepScript(planSteps(steps)[0]!);
    expect(script.indexOf('echo a')).toBeLessThan(script.indexOf(`${digests[0]}.tmp`));
    expect(script.startsWith('set -e')).toBe(true);
  });
});

describe('diffHost', () => {
  it.each([
    ['first contact runs every step', seen([]), 'create', ['spec.init[a]', 'spec.init[b]']],
    ['everything recorded is a no-op', seen(digests), 'noop', []],
    ['a missing later step is an update', seen([digests[0]!]), 'update', ['spec.init[b]']],
    ['an unreachable host plans an update to retry', seen([], { reachable: false, error: 'refused' }), 'update', ['status.reachable', 'spec.init']],
  ])('%s', (_name, observed, action, paths) => {
    const out = diffHost(host(), observed);
    expect(out.action).toBe(action);
    expect(out.changes.map((c) => c.path)).toEqual(paths);
  });

  it('a host without init steps is a no-op once reachable', () => {
    expect(diffHost(host([]), { ...seen([]), initWanted: [] }).action).toBe('noop');
  });
});

describe('hostHealth', () => {
  it.each([
    ['not observed', undefined, 'Missing'],
    ['unreachable', seen(digests, { reachable: false, error: 'refused' }), 'Degraded'],
    ['init pending', seen([digests[0]!]), 'Progressing'],
    ['all done', seen(digests), 'Healthy'],
    ['below declared memory', seen(digests, { expect: { memoryMiB: 4096 } }), 'Degraded'],
    ['meets declared minimums', seen(digests, { expect: { cpus: 2, memoryMiB: 512, diskGiB: 5 } }), 'Healthy'],
  ])('%s -> %s', (_name, observed, status) => {
    expect(hostHealth(observed).status).toBe(status);
  });

  it('names the shortfall', () => {
    expect(hostHealth(seen(digests, { expect: { cpus: 8 } })).message).toBe('below declared minimums: cpus 2 < 8');
  });
});

describe('parseFacts', () => {
  it('reads every fact and ignores noise', () => {
    const facts = parseFacts(
      ['hostname=web-1', 'os=Debian GNU/Linux 12 (bookworm)', 'kernel=6.1', 'cpus=4', 'memkb=2097152', 'diskkb=20971520', 'init=bbb', 'init=aaa', 'garbage'].join('\n'),
    );
    expect(facts).toEqual({
      hostname: 'web-1',
      os: 'Debian GNU/Linux 12 (bookworm)',
      kernel: '6.1',
      cpus: 4,
      memoryMiB: 2048,
      diskGiB: 20,
      initDone: ['aaa', 'bbb'],
    });
  });
});
