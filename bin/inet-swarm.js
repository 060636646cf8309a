#!/usr/bin/env node
// The `inet-swarm` command. Runs the compiled CLI from dist/ when the package
// has been built (npm run build), else the TypeScript sources through tsx's
// loader in this same process, so signals and exit codes need no relaying.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(
      'Error: inet-swarm is not built (no dist/) and tsx is not installed. Run `npm install` (development) or `npm run build`.\n',
    );
    process.exit(1);
  }
  register();
  await import(new URL('../cli/main.ts', import.meta.url).href);
}
