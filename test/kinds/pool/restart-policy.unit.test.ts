/** The restart policy's decision table (delay, window, maxAttempts) and the shell it runs, as data. */
import { describe, expect, it } from 'vitest';
import { dockerRestartFlag, managedRestart, parseExitInfo, restartScript, restartVerdict, type ExitInfo } from '../../../src/kinds/pool/restart-policy.js';
import { runFlags } from '../../../src/kinds/pool/scripts.js';

const exit = (over: Partial<ExitInfo> = {}): ExitInfo => ({ code: 1, startedAtMs: 10_000, finishedAtMs: 11_000, hostNowMs: 11_500, ...over });

describe('who restarts', () => {
  it('docker keeps the plain policies, driftless takes delay, window and any+maxAttempts', () => {
    expect([undefined, { condition: 'none' as const }, { condition: 'on-failure' as const, maxAttempts: 3 }].map(dockerRestartFlag)).toEqual([
      'unless-stopped',
      'no',
      'on-failure:3',
    ]);
    expect(managedRestart({ condition: 'on-failure', delay: '5s' })).toBe(true);
    expect(managedRestart({ condition: 'any', window: '1m' })).toBe(true);
    expect(managedRestart({ condition: 'any', maxAttempts: 2 })).toBe(true);
    expect(managedRestart({ condition: 'none', delay: '5s' })).toBe(false);
    expect(runFlags({ image: 'x', restartPolicy: { condition: 'on-failure', delay: '5s' } }).join(' ')).toContain('--restart no');
  });
});

describe('restartVerdict', () => {
  const rp = { condition: 'on-failure' as const, delay: '2s', maxAttempts: 2 };

  it('restarts not before finishedAt + delay, by the host clock', () => {
    const v = restartVerdict(rp, exit(), undefined, 'web-0@h1');
    expect(v).toMatchObject({ action: 'restart', attempts: 0, maxAttempts: 2, dueInMs: 1500, code: 1 });
    expect(v?.message).toBe('web-0@h1 exited with code 1: restart 1/2 in 2s');
    expect(restartVerdict(rp, exit({ hostNowMs: 20_000 }), undefined, 'n')?.dueInMs).toBe(0);
  });

  it('gives up after maxAttempts, naming code, count and policy', () => {
    const v = restartVerdict(rp, exit(), { attempts: 2, afterFinishedAtMs: 5_000 }, 'web-0@h1');
    expect(v?.action).toBe('give-up');
    expect(v?.message).toBe('web-0@h1 exited with code 1 after 2 restart attempt(s) (restartPolicy.maxAttempts 2); left exited until the container spec changes');
  });

  it('a run that stayed up for the window resets the count; a shorter one does not', () => {
    const windowed = { ...rp, window: '5s' };
    expect(restartVerdict(windowed, exit({ startedAtMs: 0, finishedAtMs: 6_000, hostNowMs: 6_000 }), { attempts: 2 }, 'n')).toMatchObject({ action: 'restart', attempts: 0 });
    expect(restartVerdict(windowed, exit({ startedAtMs: 2_000, finishedAtMs: 6_000, hostNowMs: 6_000 }), { attempts: 2 }, 'n')?.action).toBe('give-up');
    expect(restartVerdict(windowed, exit(), { attempts: 2 }, 'n')?.message).toContain('none of them stayed up for the 5s window');
  });

  it('does not charge the same exit twice (a restart recorded but never made)', () => {
    expect(restartVerdict(rp, exit(), { attempts: 2, afterFinishedAtMs: 11_000 }, 'n')).toMatchObject({ action: 'restart', attempts: 1 });
  });

  it('on-failure leaves an exit 0 to the drift restore; any restarts it; unmanaged policies decide nothing', () => {
    expect(restartVerdict(rp, exit({ code: 0 }), undefined, 'n')).toBeUndefined();
    expect(restartVerdict({ condition: 'any', delay: '1s' }, exit({ code: 0 }), undefined, 'n')?.action).toBe('restart');
    expect(restartVerdict({ condition: 'on-failure', maxAttempts: 3 }, exit(), undefined, 'n')).toBeUndefined();
  });
});

describe('scripts', () => {
  it('parses exit details with the host clock and drops garbage', () => {
    const info = parseExitInfo('now 1700000000500\nweb-0 1 1700000000000 1700000000400\nweb-1 x y z\n');
    expect([...info.entries()]).toEqual([['web-0', { code: 1, startedAtMs: 1700000000000, finishedAtMs: 1700000000400, hostNowMs: 1700000000500 }]]);
    expect(parseExitInfo('web-0 1 2 3').size).toBe(0);
  });

  it('the restart waits for FinishedAt + delay on the host and starts the same container', () => {
    const s = restartScript('web-0', 'web', 2500);
    expect(s).toContain('+%s%N) + 2500000000 ))');
    expect(s).toContain("docker start 'web-0'");
    expect(s).not.toContain('docker run');
  });
});
