/**
 * Issue 14's security figures, in one command:
 *
 *   npx tsx bench/security-figures.ts [--webhooks 10000] [--repos 1000] [--seed 14]
 *
 * 1. fuzzed webhooks over real HTTP (test/security/webhook-fuzz.ts): wrongly accepted (target 0), crashes (target 0);
 * 2. generated invalid config repos (test/security/invalid-repos.ts): passing the load gate (target 0), problems
 *    without file:line (target 0);
 * 3. canary secrets, env + file + age-encrypted (test/security/canary.ts): occurrences in everything driftless wrote
 *    or served (target 0).
 * CI runs the same code smaller (test/security/*.test.ts: 200 webhooks, 50 repos, one canary run). Exit 1 when a
 * target is missed. Baseline: the targets themselves (issue 14); there is no earlier figure to compare with.
 */
import { fuzzWebhooks, startFuzzServer } from '../test/security/webhook-fuzz.js';
import { fuzzRepos, prepareKeys } from '../test/security/invalid-repos.js';
import { runCanaries } from '../test/security/canary.js';
import { numArg } from './lib/args.js';

const args = process.argv.slice(2);
const arg = (flag: string, dflt: number): number => numArg(flag.replace(/^--/, ''), dflt, args);
const webhooks = arg('--webhooks', 10_000);
const repos = arg('--repos', 1_000);
const seed = arg('--seed', 14);
const line = (s: string) => process.stdout.write(`${s}\n`);

let t = Date.now();
const server = await startFuzzServer();
const w = await fuzzWebhooks(server.url, webhooks, seed);
await server.app.close();
line(`webhooks: ${w.requests} fuzzed in ${((Date.now() - t) / 1000).toFixed(1)} s -> accepted ${w.accepted} (all genuinely signed), wrongly accepted ${w.wronglyAccepted}, crashes ${w.crashes}; by status ${JSON.stringify(w.byStatus)}`);
for (const e of w.examples) line(`  ${e}`);

t = Date.now();
const r = await fuzzRepos(repos, seed, await prepareKeys());
line(`repos: ${r.repos} generated invalid repos in ${((Date.now() - t) / 1000).toFixed(1)} s -> passed the load gate ${r.applied}, problems ${r.problems}, without file:line ${r.withoutFileLine}`);
line(`  mutations: ${Object.entries(r.byMutation).sort().map(([k, v]) => `${k} ${v}`).join(', ')}`);
for (const e of r.examples) line(`  ${e}`);

t = Date.now();
const c = await runCanaries();
line(`canaries: ${c.canaries.length} (env, file, age) in ${((Date.now() - t) / 1000).toFixed(1)} s -> ${c.total} occurrences in ${c.places.length} places grepped (${c.places.reduce((n, p) => n + p.bytes, 0)} bytes)`);
for (const p of c.places.filter((x) => x.hits > 0)) line(`  ${p.what}: ${p.hits}`);

const ok = w.wronglyAccepted === 0 && w.crashes === 0 && r.applied === 0 && r.withoutFileLine === 0 && c.total === 0;
line(ok ? 'all targets met' : 'TARGET MISSED');
process.exit(ok ? 0 : 1);
