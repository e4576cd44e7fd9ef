/**
 * Generated invalid config repos (issue 14 figures): a valid repo (settings, a Cluster, a Service, a Host whose key
 * is an operator secret) broken by one to three mutations fast-check picks with random details — YAML syntax, wrong
 * types, unknown kinds, plain and `{ env }` secrets, undeclared secret names, dangling references, duplicates,
 * duplicate keys, alias bombs, invalid UTF-8, shell syntax in labels and names, undecryptable age values, SOPS
 * references to missing or tampered files, broken settings, random values. Each repo must be refused by the load gate
 * (problems non-empty: nothing is planned or applied) with every problem at file:line of a file of the repo.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { createKindRegistry } from '../../src/kinds/registry.js';
import { loadChecked } from '../../src/reconcile/check.js';
import { buildCatalogue } from '../../src/secrets/catalogue.js';
import { formatSops, sealSops } from '../../src/secrets/age/sops.js';
import { tempDir } from '../harness/tmp.js';

type Files = Record<string, string | Buffer>;
type Mutation = (files: Files, r: string) => void;

const doc = (kind: string, name: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  stringify({ apiVersion: 'driftless.dev/v1', kind, metadata: { name, ...extra }, spec });

function base(): Files {
  return {
    'driftless.yaml': stringify({ concurrency: 4 }),
    'clusters.yaml': doc('Cluster', 'c', { description: 'feed' }),
    'services.yaml': doc('Service', 's', { cluster: 'c' }),
    'hosts.yaml': doc('Host', 'h', { address: '10.0.0.5', cluster: 'c', privateKey: { secret: 'k' } }),
  };
}

interface Keys { foreignAge: string; sopsFor: string; recipient: string; identityFile: string }

function mutations(keys: Keys): [string, Mutation][] {
  return [
    ['yaml syntax', (f, r) => (f['services.yaml'] = `${String(f['services.yaml'])}\n${r.slice(0, 5)}: [unclosed, {\n`)],
    ['wrong type', (f, r) => (f['hosts.yaml'] = doc('Host', 'h', { address: '10.0.0.5', port: r || 'x', privateKey: { secret: 'k' } }))],
    ['unknown kind', (f, r) => (f['extra.yaml'] = doc(`Kind${r.replace(/[^A-Za-z]/g, '')}X`, 'x', {}))],
    ['plain secret', (f, r) => (f['hosts.yaml'] = doc('Host', 'h', { address: '10.0.0.5', privateKey: `-----BEGIN KEY----- ${r}` }))],
    ['env secret', (f) => (f['hosts.yaml'] = doc('Host', 'h', { address: '10.0.0.5', privateKey: { env: 'HOME' } }))],
    ['undeclared secret', (f) => (f['hosts.yaml'] = doc('Host', 'h', { address: '10.0.0.5', privateKey: { secret: 'nobody-declared' } }))],
    ['dangling reference', (f) => (f['services.yaml'] = doc('Service', 's', { cluster: 'missing' }))],
    ['duplicate resource', (f) => (f['again.yaml'] = String(f['clusters.yaml']))],
    ['duplicate key', (f) => (f['clusters.yaml'] = `${String(f['clusters.yaml'])}kind: Cluster\n`)],
    ['alias bomb', (f) => (f['bomb.yaml'] = `a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n`)],
    ['invalid utf-8', (f) => (f['clusters.yaml'] = Buffer.concat([Buffer.from(String(f['clusters.yaml'])), Buffer.from([0x23, 0xc3, 0x28, 0x0a])]))],
    ['shell in a label', (f, r) => (f['hosts.yaml'] = doc('Host', 'h', { address: '10.0.0.5', privateKey: { secret: 'k' } }, { labels: { role: `$(touch /tmp/x)${r}` } }))],
    ['bad name', (f, r) => (f['services.yaml'] = doc('Service', `S ${r};\`id\``, { cluster: 'c' }))],
    ['undecryptable age', (f) => (f['hosts.yaml'] = doc('Host', 'h', { address: '10.0.0.5', privateKey: { age: keys.foreignAge } }))],
    ['sops file missing', (f) => (f['hosts.yaml'] = doc('Host', 'h', { address: '10.0.0.5', privateKey: { sops: { file: 'missing.sops.yaml', key: 'k' } } }))],
    ['sops tampered', (f) => {
      f['team.sops.yaml'] = keys.sopsFor.replace(/data:([A-Za-z0-9+/]{4})/, (_m, d: string) => `data:${d === 'AAAA' ? 'BBBB' : 'AAAA'}`);
      f['hosts.yaml'] = doc('Host', 'h', { address: '10.0.0.5', privateKey: { sops: { file: 'team.sops.yaml', key: 'ssh.key' } } });
    }],
    ['bad settings', (f, r) => (f['driftless.yaml'] = stringify({ concurrency: -1 - r.length }))],
    ['path out of the repo', (f) => (f['hosts.yaml'] = doc('Host', 'h', { address: '10.0.0.5', privateKey: { sops: { file: '../../etc/x.sops.yaml', key: 'k' } } }))],
    ['random address', (f, r) => (f['hosts.yaml'] = doc('Host', 'h', { address: `${r} ;`, privateKey: { secret: 'k' } }))],
    ['missing metadata', (f) => (f['services.yaml'] = stringify({ apiVersion: 'driftless.dev/v1', kind: 'Service', spec: { cluster: 'c' } }))],
  ];
}

export async function prepareKeys(): Promise<Keys> {
  const dir = tempDir('invalid-keys');
  execFileSync('age-keygen', ['-o', join(dir, 'ours.txt')], { stdio: 'pipe' });
  execFileSync('age-keygen', ['-o', join(dir, 'theirs.txt')], { stdio: 'pipe' });
  const pub = (f: string) => /public key: (age1\S+)/.exec(readFileSync(join(dir, f), 'utf8'))?.[1] as string;
  const recipient = pub('ours.txt');
  return {
    foreignAge: execFileSync('age', ['-a', '-r', pub('theirs.txt')], { input: 'theirs-only' }).toString(),
    sopsFor: formatSops(await sealSops({ ssh: { key: 'team-key-value-0000' } }, [recipient]), 'team.sops.yaml'),
    recipient,
    identityFile: join(dir, 'ours.txt'),
  };
}

export interface RepoFigures {
  repos: number;
  applied: number;
  withoutFileLine: number;
  problems: number;
  byMutation: Record<string, number>;
  examples: string[];
}

/** Generates `count` repos (seeded), loads each through the gate, and tallies. */
export async function fuzzRepos(count: number, seed: number, keys: Keys): Promise<RepoFigures> {
  const all = mutations(keys);
  const gen = fc.tuple(fc.uniqueArray(fc.integer({ min: 0, max: all.length - 1 }), { minLength: 1, maxLength: 3 }), fc.string({ maxLength: 12 }));
  const catalogue = buildCatalogue({ k: { env: 'NOPE', allow: { hosts: ['10.0.0.0/8'] } } }, '/', 'operator.yaml', { identities: { file: keys.identityFile } }).catalogue;
  const f: RepoFigures = { repos: 0, applied: 0, withoutFileLine: 0, problems: 0, byMutation: {}, examples: [] };
  const registry = createKindRegistry();
  for (const [picks, r] of fc.sample(gen, { numRuns: count, seed })) {
    const files = base();
    const names = picks.map((i) => all[i]![0]);
    for (const i of picks) all[i]![1](files, r);
    const dir = tempDir('invalid');
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    const load = await loadChecked(dir, registry, { catalogue });
    f.repos++;
    for (const n of names) f.byMutation[n] = (f.byMutation[n] ?? 0) + 1;
    f.problems += load.problems.length;
    if (load.problems.length === 0) {
      f.applied++;
      if (f.examples.length < 5) f.examples.push(`no problem for ${names.join(' + ')} (${JSON.stringify(r)})`);
    }
    for (const p of load.problems) {
      if (!(p.file in files) || !(p.line >= 1)) {
        f.withoutFileLine++;
        if (f.examples.length < 5) f.examples.push(`${names.join(' + ')}: ${p.file}:${p.line}: ${p.message}`);
      }
    }
  }
  return f;
}
