/**
 * `npm run bench` runs every bench/*.bench.ts; `npm run bench -- NAME` runs bench/NAME.bench.ts.
 * Each benchmark prints one JSON line per figure (DESIGN §8).
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const dir = fileURLToPath(new URL('.', import.meta.url));
const names = (await readdir(dir)).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, ''));
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !names.includes(w));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark(s): ${unknown.join(', ')}; available: ${names.join(', ')}\n`);
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : names) {
  const mod = (await import(pathToFileURL(join(dir, `${name}.bench.ts`)).href)) as { run: () => Promise<void> };
  await mod.run();
}
