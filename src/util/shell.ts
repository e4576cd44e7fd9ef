/**
 * The one way a value becomes a word of a POSIX shell command (local or remote): single quotes, with each `'`
 * written as `'\''`. Inside single quotes the shell expands nothing — no `$(...)`, backticks, `$VAR`, globs, `;`,
 * newlines — so whatever a config author or a remote machine put in the value stays one literal argument.
 * Every command driftless builds around values that are not themselves declared commands uses this (a guard test,
 * test/architecture/shell-quote.unit.test.ts, refuses another copy of it anywhere in src/).
 */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
