/**
 * What stays in each replica's state dir under HA is documented, entry by entry, with why it is safe (issue 16):
 * every directory `state migrate` leaves behind as local (LOCAL_ONLY) is named in the README's HA section, and so
 * are the files the daemon keeps beside them (its lock, the working copy of the SSH Git remotes' pins). A new local directory without
 * a word there fails this test. Webhook replay ids are the exception: shared in HA, named as their etcd key.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCAL_ONLY } from '../../src/ha/state-endpoint.js';
import { REPLAY_NS } from '../../src/server/shared-replay.js';

const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
const start = readme.indexOf('## High availability (etcd)');
const section = readme.slice(start, readme.indexOf('\n## ', start + 1));

describe('README: what stays local per replica', () => {
  it('names every local directory and file of a replica, and the shared replay key', () => {
    expect(start).toBeGreaterThan(-1);
    for (const dir of LOCAL_ONLY) {
      if (dir === REPLAY_NS) expect(section).toContain('`webhooks/replay-ids`');
      else expect(section, `README HA section should say why ${dir}/ stays local`).toContain(`\`${dir}/\``);
    }
    for (const file of ['driftless.lock', 'git_known_hosts']) expect(section).toContain(`\`${file}\``);
  });
});
