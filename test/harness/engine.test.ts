import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDockerEngine, pings, type EngineHandle } from '../../src/lab/engine.js';
import { tempDir } from './tmp.js';

/** The private-engine path, exercised even when the run itself reuses an engine that was already up. */
describe('ensureDockerEngine (private dockerd)', () => {
  const bridge = `dlt${process.pid % 100_000}`;
  const baseDir = tempDir('engine');
  const opts = { forcePrivate: true, baseDir, bridge, bridgeCidr: '10.213.201.1/24' };
  let engine: EngineHandle | undefined;

  afterAll(async () => {
    await engine?.stop({ force: true });
    spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
    for (const dir of ['-i', '-o']) spawnSync('iptables', ['-D', 'FORWARD', dir, bridge, '-j', 'ACCEPT'], { stdio: 'ignore' });
  });

  it('starts dockerd on its own socket, is reused by a second call, and stops', async () => {
    engine = await ensureDockerEngine(opts);
    expect(engine.started).toBe(true);
    expect(engine.socketPath).toBe(`${baseDir}/docker.sock`);
    expect(await pings(engine.socketPath)).toBe(true);

    const again = await ensureDockerEngine(opts);
    expect(again.started).toBe(false);
    expect(again.dockerHost).toBe(engine.dockerHost);

    await engine.stop();
    expect(await pings(engine.socketPath)).toBe(false);
    expect(existsSync(`${baseDir}/data`)).toBe(true);
  });
});
