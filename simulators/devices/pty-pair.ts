/**
 * Two linked pseudo-terminals made by socat: a simulator opens one end, the driver the other,
 * both through the real serial binding — the full serial path without hardware (device-protocols §10.3).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { lstat, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export const SOCAT_REQUIRED = 'socat is required for pseudo-terminal devices (Debian package socat)';

export interface PtyPair {
  /** The end a simulator opens (openDeviceSideSerial). */
  readonly devicePath: string;
  /** The end the driver opens (openSerialLink). */
  readonly hostPath: string;
  /** socat's process id. */
  readonly pid: number;
  /** Kills socat (both ends hang up) and removes the links and the temporary directory. */
  close(): Promise<void>;
}

export interface PtyPairOptions {
  /** Where the links `dev` and `host` go; default a new temporary directory, removed on close. */
  dir?: string;
  /** How long to wait for socat to set up the ptys (default 5000 ms). */
  timeoutMs?: number;
}

/** Whether a socat executable is on the PATH. */
export function hasSocat(): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, 'socat'), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

export async function createPtyPair(opts: PtyPairOptions = {}): Promise<PtyPair> {
  if (!hasSocat()) throw new Error(SOCAT_REQUIRED);
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'patchrig-pty-')));
  // socat splits its addresses on these characters.
  if (/[,:!\s]/.test(dir)) throw new Error(`the pty directory must not contain commas, colons, '!' or spaces: ${dir}`);
  if (!ownDir) await mkdir(dir, { recursive: true });
  const devicePath = join(dir, 'dev');
  const hostPath = join(dir, 'host');
  // Links left by a killed run would make socat fail.
  await Promise.all([rm(devicePath, { force: true }), rm(hostPath, { force: true })]);

  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${hostPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  liveChildren.add(child);
  killChildrenOnExit();
  const removeFiles = async (): Promise<void> => {
    await Promise.all([rm(devicePath, { force: true }), rm(hostPath, { force: true })]);
    if (ownDir) await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(child, [devicePath, hostPath], opts.timeoutMs ?? 5000);
  } catch (err) {
    await stop(child);
    await removeFiles();
    throw err;
  }
  const pid = child.pid ?? -1;
  let closing: Promise<void> | undefined;
  return {
    devicePath,
    hostPath,
    pid,
    close: () => {
      closing ??= (async () => {
        await stop(child);
        await removeFiles();
      })();
      return closing;
    },
  };
}

/** Resolves once both links exist and socat reports its transfer loop (it prints that with -d -d). */
async function waitUntilReady(child: ChildProcess, links: string[], timeoutMs: number): Promise<void> {
  let log = '';
  child.stderr?.setEncoding('utf8');
  // Keep draining socat's log for its whole life so it never blocks on a full pipe.
  child.stderr?.on('data', (s: string) => {
    if (log.length < 16_384) log += s;
  });
  let failure: Error | undefined;
  child.once('error', (err: NodeJS.ErrnoException) => {
    failure = err.code === 'ENOENT' ? new Error(SOCAT_REQUIRED) : err;
  });
  child.once('exit', (code, signal) => {
    failure ??= new Error(`socat exited (${signal ?? `code ${code}`}) before the ptys were ready: ${log.trim()}`);
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (failure) throw failure;
    if (log.includes('starting data transfer loop') && (await allExist(links))) return;
    if (Date.now() > deadline) {
      throw new Error(`socat did not set up the ptys within ${timeoutMs} ms: ${log.trim() || 'no output'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function allExist(paths: string[]): Promise<boolean> {
  const found = await Promise.all(paths.map((p) => lstat(p).then(() => true, () => false)));
  return found.every(Boolean);
}

/** Kills socat by its pid and waits for it to exit (SIGKILL if SIGTERM is ignored). */
async function stop(child: ChildProcess): Promise<void> {
  liveChildren.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

/** socat processes still running; killed if this process exits without closing them. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function killChildrenOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveChildren) child.kill('SIGTERM');
  });
}
