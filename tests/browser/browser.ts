/**
 * Browser-test plumbing (stack.md §3): Debian's Chromium driven by playwright-core, never a
 * downloaded browser; a fresh temporary profile per launch; the console built once per run.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.PATCHRIG_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a headless Chromium in a container without network (stack.md §3). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Why browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `Chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set PATCHRIG_CHROMIUM`;
}

export function launchChromium(): Promise<Browser> {
  // launch() makes a temporary profile of its own each time: no state leaks between runs.
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Builds ui/ into ui/dist with Vite's JS API (the same config as `npm run build:ui`). */
export async function buildConsole(): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: resolve('ui/vite.config.ts'), logLevel: 'warn' });
}
