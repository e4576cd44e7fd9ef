/**
 * The `driftless` command line. Each command returns an exit code; this file maps thrown errors to codes in one
 * place (0 ok, 1 error, 2 invalid/stalled, 3 apply failed, 4 waiting, 5 declined).
 * Each command's module is imported when that command runs, so a process loads only what its command uses (the
 * daemon's HTTP server is no part of `validate`; issue 20). test/cli/cold-start-imports.unit.test.ts guards it.
 */
import { Command } from 'commander';
import { describe } from '../errors.js';
import { exitForError, type ExitCode } from './exit-codes.js';

function common(cmd: Command): Command {
  return cmd
    .option('--state-dir <dir>', 'local state: journal, known hosts, caches (default $DRIFTLESS_STATE_DIR or ./.driftless)')
    .option('--ref <ref>', 'branch, tag or commit of a Git source (default main)')
    .option('--token-env <name>', 'environment variable holding a Git token')
    .option('--username <name>', 'Git basic-auth user')
    .option('--password-env <name>', 'environment variable holding the Git password')
    .option('--ssh-key-file <path>', 'private key file for an ssh:// or user@host:path Git source')
    .option('--ssh-key-env <name>', 'environment variable holding that private key')
    .option('--config <file>', 'operator settings whose secrets: the repo may name (default $DRIFTLESS_CONFIG, else <state dir>/config.yaml)')
    .option('--log-level <level>', 'log level on stderr (default warn)')
    .option('--json', 'machine-readable output');
}

async function run(fn: () => Promise<ExitCode>): Promise<void> {
  try {
    process.exitCode = await fn();
  } catch (err) {
    process.stderr.write(`driftless: ${describe(err)}\n`);
    process.exitCode = exitForError(err);
  }
}

export function buildProgram(): Command {
  const program = new Command('driftless').description('GitOps reconciler for hosts, images, pools, nginx and Cloud Foundry');
  common(program.command('validate [source]').description('check a config repo (directory or Git URL); changes nothing')).action(
    (source, opts) => run(async () => (await import('./commands/validate.js')).validateCommand(source, opts)),
  );
  common(program.command('plan [source]').description('observe the world and print what apply would change'))
    .option('-v, --verbose', 'also list unchanged resources')
    .action((source, opts) => run(async () => (await import('./commands/plan.js')).planCommand(source, opts)));
  common(program.command('apply [source]').description('apply the plan (asks unless --yes)'))
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'plan and print only')
    .action((source, opts) => run(async () => (await import('./commands/apply.js')).applyCommand(source, opts)));
  common(program.command('status').description('show what the journal recorded'))
    .option('--state <url>', 'read the journal an HA fleet shares: etcd://host:2379,...[/prefix] (or $DRIFTLESS_STATE; credentials: --config\'s etcd:)')
    .option('--state-key-env <name>', 'environment variable holding the key that seals secrets in etcd')
    .option('--state-key-file <path>', 'file holding that key')
    .action((opts) => run(async () => (await import('./commands/status.js')).statusCommand(opts)));
  program
    .command('serve')
    .description('run the GitOps daemon: poll + webhooks -> apply, status to Git and HTTP')
    .option('--repo <url|dir>', 'Git URL or local directory (or $DRIFTLESS_REPO)')
    .option('--branch <branch>', 'branch or tag to watch (default main)')
    .option('--interval <duration>', 'poll interval, e.g. 60s')
    .option('--drift-interval <duration>', 're-observe for drift this often; 0s disables')
    .option('--listen <host:port>', 'HTTP address (default 127.0.0.1:8080)')
    .option('--state-dir <dir>', 'journal, caches, known hosts (default ./.driftless)')
    .option('--status-branch <branch>', 'branch for status reports (default from driftless.yaml)')
    .option('--status-interval <duration>', 'report at most this often when nothing changed')
    .option('--no-status-push', 'do not commit status reports to Git')
    .option('--no-watch', 'for a directory: do not watch files')
    .option('--config <file>', 'daemon config file (YAML or JSON; or $DRIFTLESS_CONFIG, else <state dir>/config.yaml when present)')
    .option('--token-env <name>', 'environment variable holding a Git token')
    .option('--username <name>', 'Git basic-auth user')
    .option('--password-env <name>', 'environment variable holding the Git password')
    .option('--ssh-key-file <path>', 'private key file for an ssh:// or user@host:path Git repo')
    .option('--ssh-key-env <name>', 'environment variable holding that private key')
    .option('--webhook-secret-env <name>', 'environment variable holding the webhook secret (all receivers)')
    .option('--webhook-secret-file <path>', 'file holding the webhook secret (all receivers)')
    .option('--http-token-env <name>', 'environment variable holding the bearer token for status routes')
    .option('--http-token-file <path>', 'file holding the bearer token for status routes')
    .option('--insecure-http', 'allow a non-loopback --listen without a token (something in front authenticates)')
    .option('--http-basic-user <name>', 'basic-auth user for the HTTP surface (with --http-basic-password-env/-file)')
    .option('--http-basic-password-env <name>', 'environment variable holding the basic-auth password')
    .option('--http-basic-password-file <path>', 'file holding the basic-auth password')
    .option('--tls-cert-file <path>', 'serve HTTPS with this PEM certificate chain (with --tls-key-file)')
    .option('--tls-key-file <path>', 'PEM private key for --tls-cert-file')
    .option('--repo-web-url <url>', "the config repo's web view for the dashboard's file:line links ({commit}, {path}, {line} or a base URL)")
    .option('--state <url>', 'shared state for HA replicas: etcd://host:2379,host:2379[/prefix] (default: the state dir alone)')
    .option('--lease-ttl <duration>', 'HA leader lease TTL (default 10s)')
    .option('--state-key-env <name>', 'environment variable holding the key that seals secrets in etcd')
    .option('--state-key-file <path>', 'file holding the key that seals secrets in etcd')
    .option('--replica-name <name>', 'this replica in /status and the leader key (default hostname-pid-random)')
    .option('--log-level <level>', 'log level (default info)')
    .action((opts) => run(async () => (await import('./commands/serve.js')).serveCommand(opts)));
  program
    .command('lab <action>')
    .description('up: start the quick start lab (sshd hosts on 127.0.0.1:2201.., a registry on 127.0.0.1:5000); down: remove them')
    .option('--state-dir <dir>', 'where the lab key, host keys and registry data live')
    .option('--count <n>', 'number of lab hosts (default 3)')
    .option('--base-port <port>', 'ssh port of lab-1 (default 2201)')
    .option('--swarm', 'hosts with their own Docker engine for sample-repo/examples/swarm (swarm-1.. on 127.0.0.1:2211..)')
    .option('--registry-port <port>', 'loopback port of the lab registry (default 5000)')
    .option('--prefix <name>', 'container-name prefix of the hosts (default lab, or swarm with --swarm)')
    .option('--json', 'print the lab description as JSON')
    .action((action, opts) => run(async () => (await import('./commands/lab.js')).labCommand(action, opts)));
  program
    .command('state')
    .description('the daemon\'s state between backends')
    .command('migrate')
    .description('copy the state from a state dir to etcd or back (stop the daemons first), then read every record back')
    .requiredOption('--from <dir|etcd-url>', 'source: a state dir or etcd://host:port,...[/prefix]')
    .requiredOption('--to <dir|etcd-url>', 'target: must hold no journal yet')
    .option('--config <file>', 'operator settings whose etcd: section holds the credentials and encryptionKey')
    .option('--state-key-env <name>', 'environment variable holding the key that seals secrets in etcd')
    .option('--state-key-file <path>', 'file holding that key')
    .option('--json', 'machine-readable output')
    .action((opts) => run(async () => (await import('./commands/state.js')).stateMigrateCommand(opts)));
  program
    .command('import')
    .description('convert other tools\' configs into driftless resources')
    .command('cf-config <file>')
    .description('a Deployment Engine JSON config -> a CFDeployment YAML document (passwords become secret references)')
    .option('--name <name>', 'resource name (default cf)')
    .option('--release-dir <dir>', 'release directory in the repo (default cf/release)')
    .option('--version <v>', 'cf-release version: v160, v170, v194 (default v194)')
    .option('--out <file>', 'write the YAML here instead of stdout')
    .action((file, opts) => run(async () => (await import('./commands/import.js')).importCfConfigCommand(file, opts)));
  const secret = program.command('secret').description('values encrypted in the config repo (age, SOPS)');
  secret
    .command('encrypt')
    .description('encrypt stdin for the recipients in driftless.yaml (age.recipients) and print { age: ... }; or --file PLAIN.yaml -> a SOPS file')
    .option('--repo <dir>', 'the config repo (default .)')
    .option('--file <plain.yaml>', 'encrypt a plain YAML/JSON mapping into a SOPS file')
    .option('--out <file.sops.yaml>', 'where the SOPS file goes (default: --file with .sops before the extension)')
    .option('--json', 'print { "age": ... } as JSON')
    .action((opts) => run(async () => (await import('./commands/secret.js')).secretEncryptCommand(opts)));
  secret
    .command('rotate')
    .description('re-encrypt every { age } value and SOPS file of the repo for the recipients in driftless.yaml (needs the operator\'s identities)')
    .option('--repo <dir>', 'the config repo (default .)')
    .option('--config <file>', 'operator settings with age: { identities } (default $DRIFTLESS_CONFIG, else <state dir>/config.yaml)')
    .option('--state-dir <dir>', 'state dir whose config.yaml to read when --config is not given')
    .option('--json', 'print what was rewritten as JSON')
    .action((opts) => run(async () => (await import('./commands/secret.js')).secretRotateCommand(opts)));
  return program;
}

await buildProgram().parseAsync(process.argv);
