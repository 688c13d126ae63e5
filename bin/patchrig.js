#!/usr/bin/env node
// Entry point of the `patchrig` command. TypeScript sources run through tsx's loader, so a fresh
// clone needs no build step: `npm ci && npm start` is the whole set-up.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
