#!/usr/bin/env node
// Launcher for the compiled CLI (npm run build produces dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
const entry = fileURLToPath(new URL('../dist/src/cli/samsa.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('Samsa is not built yet: run `npm install && npm run build` in the repository first.\n');
  process.exit(1);
}
await import(entry);
