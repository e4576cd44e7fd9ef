import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { bridgeMac, ensureDockerEngine, pinBridgeAddress, pings, type EngineHandle } from '../../src/lab/engine.js';
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
    expect(readFileSync(`/sys/class/net/${bridge}/address`, 'utf8').trim()).toBe(bridgeMac(bridge));

    const again = await ensureDockerEngine(opts);
    expect(again.started).toBe(false);
    expect(again.dockerHost).toBe(engine.dockerHost);

    await engine.stop();
    expect(await pings(engine.socketPath)).toBe(false);
    expect(existsSync(`${baseDir}/data`)).toBe(true);
  });
});

/**
 * A bridge without a set address follows the lowest MAC of its ports, and containers' ARP entries for the gateway
 * go stale whenever it changes (SSH replies from lab hosts were lost until a TCP retransmission, 15-110 s later).
 */
describe('pinBridgeAddress', () => {
  const tag = process.pid % 100_000;
  const pinned = `dlp${tag}`;
  const control = `dlc${tag}`;
  const ports = [`dlv${tag}a`, `dlv${tag}b`];
  const ip = (...args: string[]): void => {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
  };
  const macOf = (dev: string): string => readFileSync(`/sys/class/net/${dev}/address`, 'utf8').trim();
  /** Attaches a veth with a very low MAC, as a new container's port would be. */
  const attachLowPort = (bridge: string, port: string): void => {
    ip('link', 'add', port, 'address', '02:00:00:00:00:01', 'type', 'veth', 'peer', 'name', `${port}p`);
    ip('link', 'set', port, 'master', bridge);
  };

  afterAll(() => {
    for (const dev of [...ports, pinned, control]) spawnSync('ip', ['link', 'del', dev], { stdio: 'ignore' });
  });

  it('keeps a fixed address while ports come and go (an unpinned bridge takes its port\'s)', () => {
    for (const bridge of [pinned, control]) ip('link', 'add', bridge, 'type', 'bridge');
    pinBridgeAddress(pinned);
    expect(macOf(pinned)).toBe(bridgeMac(pinned));
    expect(bridgeMac(pinned)).toMatch(/^02(:[0-9a-f]{2}){5}$/);

    attachLowPort(pinned, ports[0]!);
    attachLowPort(control, ports[1]!);
    expect(macOf(control)).toBe('02:00:00:00:00:01');
    expect(macOf(pinned)).toBe(bridgeMac(pinned));

    pinBridgeAddress(pinned); // already set: left alone
    expect(macOf(pinned)).toBe(bridgeMac(pinned));
  });
});
