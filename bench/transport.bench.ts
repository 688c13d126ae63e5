/**
 * Transport benchmark (foundation issue): AI stream throughput of the patchrig digitizer driver
 * over in-process simulated ports and over a real pseudo-terminal, each against raw bytes through
 * the same pipe without our framing; and the host's CPU cost of a real-time 8 × 50 kHz acquisition.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PatchrigDigitizer } from '../drivers/digitizer/patchrig/driver.ts';
import { openSerialLink } from '../drivers/transport/serial-link.ts';
import { DigitizerSimulator } from '../simulators/devices/digitizer/digitizer-sim.ts';
import { SimulatedPorts } from '../simulators/devices/mock-ports.ts';
import { createPtyPair, hasSocat, SOCAT_REQUIRED } from '../simulators/devices/pty-pair.ts';
import { report } from './format.ts';

const BIN = fileURLToPath(new URL('../bin/patchrig.js', import.meta.url));
const CHANNELS = 8;
const RATE = 200_000;
const SCANS = 2 * RATE; // 6.4 MB of samples
const SAMPLE_BYTES = SCANS * CHANNELS * 2;
const MB = 1e6;

/** Runs one AI-only acquisition and returns the sample throughput in MB/s. */
async function acquireThroughput(daq: PatchrigDigitizer): Promise<number> {
  await daq.configure({ rateHz: RATE, scans: SCANS, outputs: [], inputs: Array.from({ length: CHANNELS }, (_, k) => k) });
  const t0 = performance.now();
  const acq = await daq.start();
  let scans = 0;
  for await (const b of acq.blocks()) scans += b.scans;
  const s = (performance.now() - t0) / 1000;
  if (scans !== SCANS) throw new Error(`received ${scans} of ${SCANS} scans`);
  return SAMPLE_BYTES / MB / s;
}

/** Reads `total` bytes from a link and returns MB/s from the first byte asked to the last received. */
function rawRead(link: Awaited<ReturnType<typeof openSerialLink>>, total: number, begin: () => void): Promise<number> {
  return new Promise((resolve) => {
    let got = 0;
    const t0 = performance.now();
    const off = link.onData((c) => {
      got += c.length;
      if (got >= total) {
        off();
        resolve(total / MB / ((performance.now() - t0) / 1000));
      }
    });
    begin();
  });
}

async function mock(): Promise<{ ours: number; raw: number }> {
  const ports = new SimulatedPorts();
  ports.attach('sim:daq0', (link) => new DigitizerSimulator(link, { speed: 'max' }));
  const chunk = Buffer.alloc(16_384 + 9, 0x55);
  ports.attach('sim:raw', (link) => {
    link.onReceive(async () => {
      for (let sent = 0; sent < SAMPLE_BYTES; sent += chunk.length) {
        link.send(chunk);
        await link.drained();
      }
    });
  });
  const daq = await PatchrigDigitizer.open({ name: 'daq0', path: 'sim:daq0', binding: ports.binding });
  await acquireThroughput(daq); // warm-up
  const ours = await acquireThroughput(daq);
  await daq.close();
  const raw = await openSerialLink({ device: 'raw', path: 'sim:raw', binding: ports.binding });
  const rawMBs = await rawRead(raw, SAMPLE_BYTES, () => void raw.write(Buffer.from('go')));
  await raw.close();
  ports.dispose();
  return { ours, raw: rawMBs };
}

function startSimulator(args: string[]): Promise<{ lines: string[]; stop: () => void }> {
  const child = spawn(process.execPath, [BIN, 'simulate-device', '--pty', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n').filter(Boolean);
      const want = args.includes('rig') ? 2 : 1;
      if (lines.length >= want) resolve({ lines, stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`simulate-device exited ${code}`)));
  });
}

async function pty(): Promise<{ ours: number; raw: number }> {
  const sim = await startSimulator(['--kind', 'digitizer', '--speed', 'max']);
  const path = (sim.lines[0] ?? '').split(' ')[1] as string;
  const daq = await PatchrigDigitizer.open({ name: 'daq0', path, timeoutMs: 3000 });
  await acquireThroughput(daq);
  const ours = await acquireThroughput(daq);
  await daq.close();
  sim.stop();
  // Baseline: dd pours the same number of bytes into the device end of a fresh pty pair.
  const pair = await createPtyPair();
  const host = await openSerialLink({ device: 'raw', path: pair.hostPath });
  const blocks = Math.ceil(SAMPLE_BYTES / 16_384);
  const raw = await rawRead(host, blocks * 16_384, () => {
    spawn('dd', ['if=/dev/zero', `of=${pair.devicePath}`, 'bs=16384', `count=${blocks}`], { stdio: 'ignore' });
  });
  await host.close();
  await pair.close();
  return { ours, raw };
}

/** Host CPU seconds per wall second while a real-time 8 hs × 50 kHz sweep streams from another process. */
async function cpu(): Promise<number> {
  const sim = await startSimulator(['--kind', 'rig', '--speed', 'realtime', '--channels', '8']);
  const path = sim.lines.find((l) => l.startsWith('digitizer'))?.split(' ')[1] as string;
  const daq = await PatchrigDigitizer.open({ name: 'daq0', path, timeoutMs: 3000 });
  const rate = 50_000;
  const scans = 5 * rate;
  const outputs = Array.from({ length: 8 }, (_, ch) => ({ channel: ch, volts: new Float32Array(scans).fill(0.25) }));
  await daq.configure({ rateHz: rate, scans, outputs, inputs: [0, 1, 2, 3, 4, 5, 6, 7] });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const acq = await daq.start();
  for await (const _ of acq.blocks()) {
    // consume
  }
  const wall = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(c0);
  await daq.close();
  sim.stop();
  return (used.user + used.system) / 1e6 / wall;
}

export async function run(): Promise<void> {
  const m = await mock();
  report({ bench: 'transport', metric: 'mock_MB_per_s', value: m.ours, baseline: { name: 'raw bytes, same mock port', value: m.raw }, context: { channels: CHANNELS, rate_hz: RATE, MB: SAMPLE_BYTES / MB } });
  if (!hasSocat()) {
    process.stderr.write(`transport: pty figures skipped: ${SOCAT_REQUIRED}\n`);
    return;
  }
  const p = await pty();
  report({ bench: 'transport', metric: 'pty_MB_per_s', value: p.ours, baseline: { name: 'dd, same pty pair', value: p.raw }, context: { channels: CHANNELS, rate_hz: RATE, MB: SAMPLE_BYTES / MB } });
  const c = await cpu();
  report({ bench: 'transport', metric: 'cpu_s_per_s', value: c, baseline: null, context: { note: 'host process only; simulator in another process on a pty; 8 AO + 8 AI at 50 kHz, real time' } });
}
