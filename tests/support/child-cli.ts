import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/patchrig.js', import.meta.url));

export interface CliChild {
  child: ChildProcessWithoutNullStreams;
  /** Waits until stdout holds `n` lines; returns them. */
  lines(n: number, timeoutMs?: number): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts `patchrig ARGS` in its own process (as a user would), for tests that need a separate process. */
export function startCli(args: string[]): CliChild {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    child,
    lines(n, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const t0 = Date.now();
        const poll = () => {
          const ls = out.split('\n').filter(Boolean);
          if (ls.length >= n) return resolve(ls.slice(0, n));
          if (child.exitCode !== null) return reject(new Error(`patchrig ${args.join(' ')} exited ${child.exitCode}: ${err}`));
          if (Date.now() - t0 > timeoutMs) return reject(new Error(`patchrig ${args.join(' ')} printed no ${n} line(s) in ${timeoutMs} ms; stderr: ${err}`));
          setTimeout(poll, 20);
        };
        poll();
      });
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

/** Runs `patchrig ARGS` to completion. */
export function runCli(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
