/**
 * Command-line numbers every bench reads the same way: `--name 5` or `--name=5`. One parser, so a flag written
 * either way means the same thing in every bench (they had seven copies that disagreed on `=`).
 */

/** The number after `--name` (or in `--name=N`), else `fallback`. */
export function numArg(name: string, fallback: number, argv: readonly string[] = process.argv.slice(2)): number {
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  if (eq) return Number(eq.slice(name.length + 3));
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : fallback;
}

/** `--startup-ms 1500,10000`: the node start-up times a rollout bench runs, one rollout each, on the same hosts. */
export function startupTimes(quick: boolean, argv: readonly string[] = process.argv.slice(2)): number[] {
  const eq = argv.find((a) => a.startsWith('--startup-ms='));
  const i = argv.indexOf('--startup-ms');
  const given = eq ? eq.slice('--startup-ms='.length) : i >= 0 ? argv[i + 1] : undefined;
  return (given ?? (quick ? '500' : '1500,10000')).split(',').map(Number);
}
