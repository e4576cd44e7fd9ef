/**
 * The real CLI against the emulated ECS: the apply process is killed with SIGKILL at the worst moment — the
 * instance exists at the provider but the answer to CreateInstance never reached driftless — and a re-run adopts
 * that instance by its tags instead of creating a second one. Private keys never appear in plan, apply or status
 * output.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, type RunningCli } from '../../harness/cli.js';
import { writeOperatorSettings } from '../../harness/secrets.js';
import { startEcsEmulator, type EcsEmulator } from '../../harness/aliyun-ecs.js';
import { labDocker } from '../../harness/docker.js';
import { tempDir } from '../../harness/tmp.js';

const KEY = { id: 'ak-crash', secret: 'sk-crash' };
let ecs: EcsEmulator;
let repo: string;
let state: string;
let running: RunningCli | undefined;
let killed = false;

beforeAll(async () => {
  ecs = await startEcsEmulator({
    accessKeyId: KEY.id,
    accessKeySecret: KEY.secret,
    docker: labDocker(),
    image: process.env.DRIFTLESS_HOST_IMAGE ?? '',
    onCreated: async () => {
      if (killed || !running) return;
      killed = true;
      running.child.kill('SIGKILL');
      await running.done;
    },
  });
  repo = tempDir('dl-machines-repo');
  state = tempDir('dl-machines-state');
  const allow = { urls: [ecs.endpoint] };
  writeOperatorSettings({ 'aliyun-ak': { value: KEY.id, allow }, 'aliyun-sk': { value: KEY.secret, allow } }, { dir: state, name: 'config.yaml' });
  writeFileSync(join(repo, 'driftless.yaml'), 'apiVersion: driftless.dev/v1\nretry: { attempts: 3, baseDelayMs: 200, maxDelayMs: 1000 }\nhealth: { timeoutSeconds: 60, intervalMs: 300 }\n');
  writeFileSync(
    join(repo, 'machines.yaml'),
    [
      'apiVersion: driftless.dev/v1',
      'kind: MachineTemplate',
      'metadata: { name: ecs-vpc }',
      'spec:',
      '  provider: aliyun',
      `  account: { accessKeyId: { secret: aliyun-ak }, accessKeySecret: { secret: aliyun-sk }, endpoint: "${ecs.endpoint}" }`,
      '  region: cn-beijing',
      '  zone: cn-beijing-c',
      '  network: { type: vpc, vpcId: vpc-1, vswitchId: vsw-1, securityGroupId: sg-1 }',
      '  instanceType: ecs.n1.small',
      '  image: ubuntu_22_04_x64',
      '  quota: { hours: 10 }',
      '  init:',
      '    - { name: marker, run: "echo once >> /root/init-runs" }',
      '  waitTimeoutSeconds: 60',
      '---',
      'apiVersion: driftless.dev/v1',
      'kind: MachineSet',
      'metadata: { name: batch }',
      'spec: { template: ecs-vpc, count: 1 }',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  running?.child.kill('SIGKILL');
  await ecs?.close();
});

const cli = (...args: string[]) => runCli([...args, '--state-dir', state]);

describe('machines survive kill -9 between create and record', () => {
  it('adopts the instance created before the crash instead of creating another', async () => {
    running = spawnCli(['apply', repo, '--yes', '--state-dir', state]);
    const first = await running.done;
    expect(killed, first.stdout + first.stderr).toBe(true);
    expect(first.signal).toBe('SIGKILL');
    expect(ecs.state.instances.size).toBe(1);

    const plan = await cli('plan', repo, '--json');
    expect(plan.code, plan.stderr).toBe(0);
    const apply = await cli('apply', repo, '--yes');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(ecs.state.instances.size).toBe(1);
    expect(ecs.log.filter((l) => l.action === 'CreateInstance' && !l.code)).toHaveLength(1);
    const [inst] = [...ecs.state.instances.values()];
    expect(inst!.Status).toBe('Running');
    expect((await (await inst!.host)!.exec('cat /root/init-runs')).stdout).toBe('once\n');

    const again = await cli('plan', repo);
    expect(again.stdout).toContain('No changes.');
    const status = await cli('status', '--json');
    const byKey = new Map((JSON.parse(status.stdout) as { resources: { key: string; details?: Record<string, unknown> }[] }).resources.map((r) => [r.key, r.details]));
    expect(byKey.get('MachineSet/batch')).toMatchObject({ count: 1, machines: { ready: 1 }, quota: { usedHours: 1, quotaHours: 10, liveMachines: 1 } });
    expect(byKey.get('MachineSet/batch')?.summary).toBe('quota 1/10 h, 1/1 machine(s): 1 ready');
    expect(byKey.get('MachineTemplate/ecs-vpc')).toMatchObject({ usedHours: 1, quotaHours: 10, orphans: [] });
    const human = await cli('status');
    expect(human.stdout).toContain('quota 1/10 h, 1/1 machine(s): 1 ready');
    const privateKey = readFileSync(join(state, 'machines/keys/set-batch/batch-0/id_ed25519'), 'utf8');
    const keyBody = privateKey.split('\n')[1]!;
    for (const out of [plan, apply, again, status]) {
      expect(out.stdout + out.stderr).not.toContain(keyBody);
      expect(out.stdout + out.stderr).not.toContain(KEY.secret);
    }
    expect(JSON.parse(readFileSync(join(state, 'journal.json'), 'utf8'))).toBeDefined();
    expect(readFileSync(join(state, 'journal.json'), 'utf8')).not.toContain(keyBody);
  });
});
