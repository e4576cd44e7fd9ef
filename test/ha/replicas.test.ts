/**
 * Three `driftless serve` processes over one Git repo, one real 3-member etcd cluster and real sshd hosts, the
 * way an operator runs HA. Each replica talks to its own etcd member only, so stopping a member cuts exactly one
 * replica off. Host init steps append a line to a file per step, so the number of lines is the number of times a
 * step ran: every check of "applied once" counts them. Lease TTL 2 s. Steps run in order and share the cluster.
 */
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, type RunningCli } from '../harness/cli.js';
import { startEtcdCluster, type EtcdCluster } from '../harness/etcd.js';
import { startGitServer, type GitServer } from '../harness/git-server.js';
import { startTestHosts, type TestHosts } from '../harness/hosts.js';
import { LOOPBACK_HOSTS, writeOperatorSettings } from '../harness/secrets.js';
import { tempDir } from '../harness/tmp.js';
import { createConfigRepo, getJson, hostYaml, sendGithubHook, settingsYaml, waitFor, type ConfigRepo, type StatusBody, type StepSpec } from '../e2e/fixture.js';

const SECRET = `wh-${randomBytes(12).toString('hex')}`;
const SECRET_ENV = `DL_HA_WH_${randomBytes(4).toString('hex')}`;
const STATE_KEY_ENV = `DL_HA_KEY_${randomBytes(4).toString('hex')}`;
const STATE_KEY = randomBytes(32).toString('base64');
const KEY_SECRET = 'ha-key';

interface Ha {
  role: string;
  identity: string;
  leader?: string;
  leaseAgeMs?: number;
  message?: string;
}
type HaStatus = StatusBody & { ha: Ha };

interface Replica {
  name: string;
  url: string;
  port: number;
  stateDir: string;
  proc?: RunningCli;
}

let cluster: EtcdCluster;
let hosts: TestHosts;
let server: GitServer;
let repo: ConfigRepo;
let settings: string;
let c1 = '';
const replicas: Replica[] = [];
const steps: StepSpec[][] = [[], []];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function start(r: Replica, i: number): void {
  r.proc = spawnCli(
    [
      'serve',
      '--repo', repo.url,
      '--branch', 'main',
      '--interval', '1h',
      '--drift-interval', '0s',
      '--listen', `127.0.0.1:${r.port}`,
      '--state-dir', r.stateDir,
      '--config', settings,
      '--no-status-push',
      '--webhook-secret-env', SECRET_ENV,
      '--state', `etcd://${cluster.endpoints[i]}/ha-test`,
      '--lease-ttl', '2s',
      '--replica-name', r.name,
      '--log-level', 'warn',
    ],
    { env: { [SECRET_ENV]: SECRET, [STATE_KEY_ENV]: STATE_KEY, DRIFTLESS_NO_BUNDLE: '1' } },
  );
}

const status = (r: Replica) => getJson<HaStatus>(`${r.url}/status`);
const alive = () => replicas.filter((r) => r.proc && r.proc.child.exitCode === null && r.proc.child.signalCode === null);
const lines = async (host: number, file: string) => {
  const out = (await hosts.hosts[host]!.exec(`cat /root/${file} 2>/dev/null || true`)).stdout.trim();
  return out === '' ? 0 : out.split('\n').length;
};

/** The one replica every live replica names as leader, once they agree and it says so itself. */
async function agreedLeader(among = alive()): Promise<Replica> {
  return waitFor('one leader the replicas agree on', async () => {
    const views = await Promise.all(among.map(async (r) => ({ r, s: await status(r) })));
    const leaders = views.filter((v) => v.s.ha.role === 'leader');
    if (leaders.length !== 1) return undefined;
    const name = leaders[0]!.r.name;
    return views.every((v) => v.s.ha.leader === name) ? leaders[0]!.r : undefined;
  });
}

async function inForceEverywhere(commit: string, among = alive()): Promise<void> {
  await waitFor(`revision ${commit.slice(0, 12)} in force on every replica`, async () => {
    const all = await Promise.all(among.map(status));
    return all.every((s) => s.revision.inForce === commit && s.lastRun?.revision === commit) || undefined;
  }, 90_000);
}

async function writeHosts(): Promise<void> {
  for (const i of [0, 1]) await repo.write(`hosts/web-${i}.yaml`, hostYaml(`web-${i}`, hosts.hosts[i]!, KEY_SECRET, steps[i]!));
}

beforeAll(async () => {
  [cluster, hosts, server] = await Promise.all([startEtcdCluster(), startTestHosts(2, { name: 'ha' }), startGitServer()]);
  repo = await createConfigRepo(server, 'ha-config');
  await repo.write('driftless.yaml', settingsYaml());
  for (const i of [0, 1]) steps[i]!.push({ name: 'v1', run: 'echo v1 >> /root/count-v1' });
  await writeHosts();
  c1 = await repo.commitAndPush('v1');
  settings = writeOperatorSettings(
    { [KEY_SECRET]: { value: hosts.privateKey, allow: LOOPBACK_HOSTS } },
    { extra: { etcd: { encryptionKey: { env: STATE_KEY_ENV } } } },
  );
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    replicas.push({ name: `r${i}`, port, url: `http://127.0.0.1:${port}`, stateDir: tempDir(`ha-r${i}`) });
  }
  replicas.forEach(start);
  const answering = async () => (await Promise.all(replicas.map((r) => fetch(`${r.url}/healthz`).then((x) => x.ok, () => false)))).every(Boolean);
  await waitFor('every replica answers', async () => alive().length < 3 || (await answering()), 120_000)
    .then(async () => {
      if (!(await answering())) throw new Error('a replica exited');
    })
    .catch((err: unknown) => {
    throw new Error(`${String(err)}\n${replicas.map((r) => `--- ${r.name}\n${r.proc?.output().slice(-3000)}`).join('\n')}`);
  });
}, 600_000);

afterAll(async () => {
  for (const r of replicas) {
    r.proc?.child.kill('SIGKILL');
    await r.proc?.done;
  }
  await cluster?.stop();
  await server?.dispose();
  await hosts?.teardown();
});

describe('three replicas over etcd', () => {
  it('exactly one leader; it applies the first revision once; followers serve the same state and are ready', async () => {
    expect((await agreedLeader()).name).toMatch(/^r[012]$/);
    await inForceEverywhere(c1);
    const views = await Promise.all(replicas.map(status));
    expect(views.filter((v) => v.ha.role === 'leader')).toHaveLength(1);
    expect(views.filter((v) => v.ha.role === 'follower')).toHaveLength(2);
    for (const r of replicas) expect((await fetch(`${r.url}/readyz`)).status).toBe(200);
    expect(await lines(0, 'count-v1')).toBe(1);
    expect(await lines(1, 'count-v1')).toBe(1);
    const leader = replicas.find((r) => r.name === views.find((v) => v.ha.role === 'leader')!.ha.identity)!;
    const metrics = await (await fetch(`${leader.url}/metrics`)).text();
    expect(metrics).toMatch(/driftless_leadership_changes_total\{role="leader"\} 1/);
  });

  it('a push announced to a follower wakes the leader: applied once, every replica shows it', async () => {
    const leader = await agreedLeader();
    const follower = replicas.find((r) => r !== leader)!;
    for (const i of [0, 1]) steps[i]!.push({ name: 'v2', run: 'echo v2 >> /root/count-v2' });
    await writeHosts();
    const c2 = await repo.commitAndPush('v2');
    const delivery = randomBytes(8).toString('hex');
    expect((await sendGithubHook(follower.url, SECRET, { delivery })).status).toBe(202);
    // The same delivery, captured and replayed to another replica, is refused there (replay ids are in etcd).
    const other = replicas.find((r) => r !== leader && r !== follower)!;
    expect(await (await sendGithubHook(other.url, SECRET, { delivery })).json()).toEqual({ result: 'replayed' });
    await inForceEverywhere(c2);
    expect((await status(follower)).lastRun?.trigger).toBe('webhook:github');
    expect(await lines(0, 'count-v2')).toBe(1);
    expect(await lines(1, 'count-v2')).toBe(1);
    expect(await lines(0, 'count-v1')).toBe(1);
  });

  it('kill -9 of the leader mid-apply: a follower takes over, converges, and no step ran twice', async () => {
    const leader = await agreedLeader();
    for (const i of [0, 1]) steps[i]!.push({ name: 'v3', run: `echo started >> /root/start-v3; sleep 2; echo v3 >> /root/count-v3` });
    await writeHosts();
    const c3 = await repo.commitAndPush('v3');
    expect((await sendGithubHook(leader.url, SECRET)).status).toBe(202);
    await waitFor('the leader started v3 on a host', async () => ((await lines(0, 'start-v3')) + (await lines(1, 'start-v3')) > 0) || undefined);
    leader.proc!.child.kill('SIGKILL');
    await leader.proc!.done;
    const rest = replicas.filter((r) => r !== leader);
    const next = await agreedLeader(rest);
    expect(next).not.toBe(leader);
    await inForceEverywhere(c3, rest);
    expect(await lines(0, 'count-v3')).toBe(1);
    expect(await lines(1, 'count-v3')).toBe(1);
    expect(await lines(0, 'count-v2')).toBe(1);
    // the killed replica comes back as a follower
    start(leader, replicas.indexOf(leader));
    await waitFor('the restarted replica follows', async () => (await status(leader).catch(() => undefined))?.ha.role === 'follower' || undefined, 120_000);
  });

  it('a leader that loses its etcd member stops acting; the new leader applies and its work is not overwritten', async () => {
    const leader = await agreedLeader();
    const i = replicas.indexOf(leader);
    await cluster.stopMember(i);
    const rest = replicas.filter((r) => r !== leader);
    const next = await agreedLeader(rest);
    const cut = await status(leader);
    expect(cut.ha.role).not.toBe('leader');
    for (const h of [0, 1]) steps[h]!.push({ name: 'v4', run: 'echo v4 >> /root/count-v4' });
    await writeHosts();
    const c4 = await repo.commitAndPush('v4');
    expect((await sendGithubHook(next.url, SECRET)).status).toBe(202);
    await inForceEverywhere(c4, rest);
    await cluster.startMember(i);
    await inForceEverywhere(c4);
    expect((await agreedLeader()).name).toBe(next.name);
    expect(await lines(0, 'count-v4')).toBe(1);
    expect(await lines(1, 'count-v4')).toBe(1);
  });

  it('etcd down entirely: nobody applies, HTTP answers the last known state and says why; etcd back: converges', async () => {
    const before = await status(replicas[0]!);
    for (let m = 0; m < 3; m++) await cluster.stopMember(m);
    const views = await waitFor('every replica says etcd is unavailable', async () => {
      const all = await Promise.all(replicas.map(status));
      return all.every((s) => s.ha.role === 'unavailable') ? all : undefined;
    });
    for (const v of views) {
      expect(v.revision.inForce).toBe(before.revision.inForce);
      expect(v.ha.message).toMatch(/etcd|lease/);
    }
    for (const r of replicas) expect((await fetch(`${r.url}/readyz`)).status).toBe(503);
    for (const h of [0, 1]) steps[h]!.push({ name: 'v5', run: 'echo v5 >> /root/count-v5' });
    await writeHosts();
    const c5 = await repo.commitAndPush('v5');
    expect((await sendGithubHook(replicas[0]!.url, SECRET)).status).toBe(202);
    expect(await lines(0, 'count-v5')).toBe(0);
    await Promise.all([0, 1, 2].map((m) => cluster.startMember(m)));
    await agreedLeader();
    // a new leader runs at once: it finds v5 without a webhook
    await inForceEverywhere(c5);
    expect(await lines(0, 'count-v5')).toBe(1);
    expect(await lines(1, 'count-v5')).toBe(1);
  });

  it('a dump of the whole store holds no private key bytes', async () => {
    const dump = await cluster.client().getAll().prefix('ha-test/').buffers();
    const all = Buffer.concat(Object.entries(dump).flatMap(([k, v]) => [Buffer.from(k), v]));
    expect(Object.keys(dump).some((k) => k.startsWith('ha-test/kv/journal/'))).toBe(true);
    expect(all.includes(Buffer.from(hosts.privateKey.split('\n')[1]!))).toBe(false);
    expect(all.includes(Buffer.from('PRIVATE KEY'))).toBe(false);
  });
});
