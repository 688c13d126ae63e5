import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { RigConfigError } from './rig/config-errors.ts';
import { defaultSimulatedRig } from './rig/default-rig.ts';
import { loadRigConfig } from './rig/load-config.ts';
import { type Rig, openRig } from './rig/open-rig.ts';
import type { RigConfig } from './rig/schema.ts';
import { formatTable, identifyDevices } from './cli/devices.ts';
import { type SimulatedKind, startSimulatedDevices } from './cli/simulate-device.ts';
import { addSimulateCellCommand } from './cli/simulate-cell.ts';
import { addRunCommand } from './cli/run.ts';
import { addProtocolsCommand } from './cli/protocols.ts';
import { addAnalyzeCommand } from './cli/analyze.ts';

/** A failure the user can fix; exits 1 with its message as one sentence. */
class CliFailure extends Error {}

function integer(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

async function rigConfig(rig: string | undefined): Promise<RigConfig> {
  return !rig || rig === 'sim' ? defaultSimulatedRig() : loadRigConfig(rig);
}

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const done = (sig: string) => resolve(sig);
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
}

function program(out: (s: string) => void): Command {
  const cli = new Command('patchrig')
    .description('multipatch patch-clamp rig service: devices, simulated rig, protocols, NWB, browser console')
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: (s) => process.stderr.write(s) });

  cli
    .command('devices')
    .description('open every device of a rig, identify it and print a table')
    .option('--rig <sim|FILE>', 'rig file (JSON or YAML), or "sim" for the built-in simulated rig', 'sim')
    .option('--json', 'print JSON instead of a table')
    .action(async (o: { rig: string; json?: boolean }) => {
      const rig = await openRig(await rigConfig(o.rig));
      try {
        const rows = await identifyDevices(rig);
        out(o.json ? `${JSON.stringify(rows)}\n` : `${formatTable(rows, ['name', 'kind', 'port', 'vendor', 'model', 'serial', 'firmware', 'detail'])}\n`);
      } finally {
        await rig.close();
      }
    });

  cli
    .command('simulate-device')
    .description('run a simulated device on a pseudo-terminal and print its port path (needs socat)')
    .addOption(new Option('--kind <kind>', 'which device').choices(['amplifier', 'digitizer', 'rig']).makeOptionMandatory())
    .option('--pty', 'serve it on a pseudo-terminal (the only transport for a separate process)')
    .option('--channels <n>', 'amplifier channels / headstages', integer('--channels', 1, 16), 8)
    .option('--seed <n>', 'seed of the simulated cells and noise', integer('--seed', 0, 2 ** 32 - 1), 1)
    .addOption(new Option('--speed <speed>', 'simulated time').choices(['max', 'realtime']).default('realtime'))
    .action(async (o: { kind: SimulatedKind; pty?: boolean; channels: number; seed: number; speed: 'max' | 'realtime' }) => {
      if (!o.pty) throw new CliFailure('simulate-device needs --pty: in-process simulators are attached by the rig itself (port: sim)');
      const sim = await startSimulatedDevices({ kind: o.kind, channels: o.channels, seed: o.seed, speed: o.speed });
      for (const [kind, path] of Object.entries(sim.paths)) out(`${kind} ${path}\n`);
      await waitForSignal();
      await sim.close();
    });

  cli
    .command('serve')
    .description('start the service on a rig (default: the built-in simulated rig) and print its URL')
    .option('--rig <sim|FILE>', 'rig file (JSON or YAML), or "sim"', 'sim')
    .option('--host <address>', 'address to bind; other than loopback, access needs the tokens', '127.0.0.1')
    .option('--port <n>', 'TCP port', integer('--port', 0, 65535), 8080)
    .addOption(new Option('--speed <speed>', 'simulated time, for simulated devices').choices(['max', 'realtime']).default('realtime'))
    .option('--data <DIR>', 'directory for the NWB file of each experiment (created if missing)', './data')
    .addOption(new Option('--control-token <token>', 'token for control off loopback (default: generated)').env('PATCHRIG_CONTROL_TOKEN'))
    .addOption(new Option('--view-token <token>', 'token for viewing off loopback (default: generated)').env('PATCHRIG_VIEW_TOKEN'))
    .action(async (o: { rig: string; host: string; port: number; speed: 'max' | 'realtime'; data: string; controlToken?: string; viewToken?: string }) => {
      const { buildApp } = await import('./server/app.ts');
      const { isLoopbackHost, newToken } = await import('./server/access.ts');
      const { mkdir } = await import('node:fs/promises');
      const exposed = !isLoopbackHost(o.host);
      const tokens = { controlToken: o.controlToken ?? newToken(), viewToken: o.viewToken ?? newToken() };
      if (exposed && tokens.controlToken === tokens.viewToken) throw new CliFailure('--control-token and --view-token must differ, or viewers could control the rig');
      try {
        await mkdir(o.data, { recursive: true });
      } catch (e) {
        throw new CliFailure(`cannot create the data directory ${o.data}: ${(e as Error).message}`);
      }
      const rig: Rig = await openRig(await rigConfig(o.rig), { speed: o.speed });
      // Real devices keep the wall clock; only simulated ones may run rests at max speed.
      const app = buildApp({ rig, dataDir: o.data, speed: rig.simulation ? o.speed : 'realtime', access: exposed ? { exposed, ...tokens } : { exposed } });
      try {
        const address = await app.listen({ host: o.host, port: o.port });
        out(`patchrig serving ${rig.config.name} at ${address} (experiments written to ${o.data})\n`);
        if (exposed) {
          const { reachableUrls } = await import('./server/urls.ts');
          for (const base of reachableUrls(o.host, Number(new URL(address).port))) {
            out(`  control: ${base}/?token=${tokens.controlToken}\n  view:    ${base}/?token=${tokens.viewToken}\n`);
          }
        } else out(`  open ${address}/ in a browser on this machine\n`);
        await waitForSignal();
      } finally {
        await app.close();
        await rig.close();
      }
    });
  addSimulateCellCommand(cli, out);
  addRunCommand(cli, out);
  addProtocolsCommand(cli, out);
  addAnalyzeCommand(cli, out);
  return cli;
}

/** Runs the command line; returns the exit code (0 ok, 1 failure, 2 bad usage). */
export async function main(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const cli = program(out);
  try {
    await cli.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are not failures; commander already printed its message for usage errors.
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof RigConfigError) {
      process.stderr.write(`patchrig: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`patchrig: ${(e as Error).message}\n`);
    return 1;
  }
}
