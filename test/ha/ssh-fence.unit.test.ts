/** The SSH driver checks the HA fence before every command and transfer: a deposed leader never dials a host. */
import { describe, expect, it } from 'vitest';
import { createSshDriver } from '../../src/drivers/ssh/index.js';
import { StalledError } from '../../src/errors.js';
import { tempDir } from '../harness/tmp.js';

describe('ssh driver fence', () => {
  it('refuses exec, upload and readFile with NotLeader before any connection', async () => {
    const ssh = createSshDriver({
      knownHostsPath: `${tempDir('ssh-fence')}/known_hosts.json`,
      fence: () => {
        throw new StalledError('NotLeader', 'replica r1 is not the leader');
      },
    });
    // port 1 on loopback: a dial would fail as Unreachable, so NotLeader proves nothing was dialled
    const target = { id: 'Host/x', host: '127.0.0.1', port: 1, username: 'root', privateKey: 'unused' };
    await expect(ssh.exec(target, 'true')).rejects.toMatchObject({ reason: 'NotLeader' });
    await expect(ssh.upload(target, '/tmp/x', 'data')).rejects.toMatchObject({ reason: 'NotLeader' });
    await expect(ssh.readFile(target, '/tmp/x')).rejects.toMatchObject({ reason: 'NotLeader' });
    expect(ssh.stats()).toMatchObject({ dials: 0 });
    await ssh.close();
  });
});
