#!/usr/bin/env node
// Runs the CLI from its TypeScript sources through tsx, so a checkout needs no build step and never runs stale output.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { register } from 'tsx/esm/api';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
register();
await import(pathToFileURL(join(root, 'src', 'cli', 'index.ts')).href);
