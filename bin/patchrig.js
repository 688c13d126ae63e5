#!/usr/bin/env node
// Entry point of the `patchrig` command. TypeScript sources run through tsx's loader, so a fresh
// clone needs no build step: `npm ci && npm start` is the whole set-up. tsconfig.json is for the
// type checker only: its `paths` work around missing ESM typings of @serialport/binding-mock and
// must not redirect runtime resolution to the package's CommonJS build (see docs/decisions/0001).
import { register } from 'tsx/esm/api';

register({ tsconfig: false });
const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
