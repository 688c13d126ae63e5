/**
 * The simulated amplifier against its specification, byte for byte: a raw host writes the request
 * bytes of docs/protocols/patchrig-amplifier.md §8 (and the control-line examples of
 * patchrig-control-lines.md §9) and compares what comes back with the bytes printed there, typed
 * in from the documents. The auto-function results depend on the preparation, so the amplifier
 * measures a stub preparation whose pipette and cell have exactly the values behind the
 * document's results.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClampMode } from '../../../src/core/clamp.ts';
import { AmplifierSimulator } from '../../../simulators/devices/amplifier/amplifier-sim.ts';
import { SimulatedPorts } from '../../../simulators/devices/mock-ports.ts';
import type { Preparation, PreparationProbe } from '../../../simulators/physics/preparation.ts';
import { RawHost, hex } from './raw-host.ts';

const PATH = 'sim:amp0';

/** Pipettes and cells with fixed, settable properties; the membrane is not simulated (outputs read 0). */
class StubPreparation implements Preparation {
  readonly channelCount = 8;
  readonly probes: PreparationProbe[] = Array.from({ length: 8 }, () => ({
    pipetteOffsetVolts: 0.002,
    pipetteCapacitance: 5e-12,
    accessResistance: 1e7,
    membraneCapacitance: 1e-10,
  }));
  advance(_mode: readonly ClampMode[], _command: readonly Float64Array[], measured: Float64Array[], n: number): void {
    for (const m of measured) m.fill(0, 0, n);
  }
  probe(channel: number): PreparationProbe {
    return { ...(this.probes[channel] as PreparationProbe) };
  }
}

/** Opens a fresh amplifier and a raw host on it. */
async function openAmplifier(prep: Preparation = new StubPreparation(), autoSeconds = 0.05) {
  const ports = new SimulatedPorts();
  let sim: AmplifierSimulator | undefined;
  ports.attach(PATH, (link) => {
    sim = new AmplifierSimulator(link, { preparation: prep, autoSeconds });
  });
  const host = await RawHost.open(ports, PATH);
  return { ports, host, sim: sim as AmplifierSimulator };
}

/** `→ request` then `← reply…` as one exchange: the bytes after the request are exactly `reply`. */
async function exchange(host: RawHost, request: string, reply: string): Promise<void> {
  await host.send(hex(request));
  await host.expectBytes(hex(reply));
}

describe('SIMAMP8 speaks patchrig-amplifier.md §8 byte for byte (one session: ids continue, so the steps run in order)', () => {
  const prep = new StubPreparation();
  let ports: SimulatedPorts;
  let host: RawHost;

  beforeAll(async () => {
    // Values behind the results of §8.6: channel 3 (index 2) is a whole cell, channel 1 a pipette of 15.2 MΩ.
    prep.probes[2] = { pipetteOffsetVolts: -0.01187, pipetteCapacitance: 4.37e-12, accessResistance: 1.18e7, membraneCapacitance: 2.51e-11 };
    prep.probes[0] = { pipetteOffsetVolts: 0, pipetteCapacitance: 4e-12, accessResistance: 1.52e7, membraneCapacitance: 0 };
    ({ ports, host } = await openAmplifier(prep));
  });

  afterAll(async () => {
    await host.close();
    ports.dispose();
  });

  it('§8.1 channel count', async () => {
    await exchange(host, `
      0000  31 20 43 48 41 4E 4E 45 4C 53 3F 0A`, `
      0000  31 20 4F 4B 20 38 0A`);
  });

  it('§8.1 *RST: ! RESET, ! TEL 1 … ! TEL 8 with the defaults, then OK', async () => {
    const tel1 = hex(`
      0000  21 20 54 45 4C 20 31 20 56 43 20 35 65 38 20 56
      0010  2F 41 20 31 65 34 20 30 2E 30 32 0A`);
    await host.send(hex(`0000  32 20 2A 52 53 54 0A`));
    await host.expectBytes(hex(`0000  21 20 52 45 53 45 54 0A`));
    // "! TEL 2 … to ! TEL 7 … are sent between these two, identical but for the channel digit."
    for (let ch = 1; ch <= 8; ch++) {
      const tel = Buffer.from(tel1);
      tel[6] = 0x30 + ch;
      await host.expectBytes(tel);
    }
    await host.expectBytes(hex(`0000  32 20 4F 4B 0A`));
  });

  it('§8.2 mode and holding: ! TEL before the OK, HOLD in I0 refused, holding out of range, rounding', async () => {
    await exchange(host, `
      0000  33 20 4D 4F 44 45 20 31 20 49 43 0A`, `
      0000  21 20 54 45 4C 20 31 20 49 43 20 31 30 20 56 2F
      0010  56 20 31 65 34 20 34 65 2D 31 30 0A
      0000  33 20 4F 4B 0A`);
    await exchange(host, `0000  34 20 4D 4F 44 45 3F 20 31 0A`, `0000  34 20 4F 4B 20 49 43 0A`);
    await exchange(host, `0000  35 20 48 4F 4C 44 20 31 20 2D 35 65 2D 31 31 0A`, `0000  35 20 4F 4B 0A`);
    await exchange(host, `0000  36 20 48 4F 4C 44 45 4E 20 31 20 31 0A`, `0000  36 20 4F 4B 0A`);
    await exchange(host, `0000  37 20 48 4F 4C 44 3F 20 31 0A`, `0000  37 20 4F 4B 20 2D 35 65 2D 31 31 0A`);
    await exchange(host, `0000  38 20 48 4F 4C 44 45 4E 3F 20 31 0A`, `0000  38 20 4F 4B 20 31 0A`);
    await exchange(host, `
      0000  39 20 4D 4F 44 45 20 32 20 49 30 0A`, `
      0000  21 20 54 45 4C 20 32 20 49 30 20 31 30 20 56 2F
      0010  56 20 31 65 34 20 30 0A
      0000  39 20 4F 4B 0A`);
    await exchange(host, `
      0000  31 30 20 48 4F 4C 44 20 32 20 30 0A`, `
      0000  31 30 20 45 52 52 20 34 20 6E 6F 20 68 6F 6C 64
      0010  69 6E 67 20 69 6E 20 49 30 0A`);
    await exchange(host, `
      0000  31 31 20 48 4F 4C 44 20 31 20 2D 33 65 2D 38 0A`, `
      0000  31 31 20 45 52 52 20 33 20 48 4F 4C 44 20 2D 33
      0010  65 2D 38 20 41 20 69 73 20 6F 75 74 73 69 64 65
      0020  20 2D 32 65 2D 38 2E 2E 32 65 2D 38 0A`);
    await exchange(host, `
      0000  31 32 20 48 4F 4C 44 20 33 20 2D 30 2E 30 37 30
      0010  30 30 34 32 0A`, `
      0000  31 32 20 4F 4B 0A`);
    await exchange(host, `0000  31 33 20 48 4F 4C 44 3F 20 33 0A`, `0000  31 33 20 4F 4B 20 2D 30 2E 30 37 0A`);
  });

  it('§8.3 output gain, low-pass, command sensitivity: each change telegraphed before its OK; values not in the list refused', async () => {
    await exchange(host, `
      0000  31 34 20 47 41 49 4E 20 31 20 35 0A`, `
      0000  21 20 54 45 4C 20 31 20 49 43 20 35 30 20 56 2F
      0010  56 20 31 65 34 20 34 65 2D 31 30 0A
      0000  31 34 20 4F 4B 0A`);
    await exchange(host, `
      0000  31 35 20 4C 50 46 20 31 20 33 65 34 0A`, `
      0000  21 20 54 45 4C 20 31 20 49 43 20 35 30 20 56 2F
      0010  56 20 33 65 34 20 34 65 2D 31 30 0A
      0000  31 35 20 4F 4B 0A`);
    await exchange(host, `
      0000  31 36 20 43 4D 44 53 45 4E 53 20 31 20 32 65 2D
      0010  39 0A`, `
      0000  21 20 54 45 4C 20 31 20 49 43 20 35 30 20 56 2F
      0010  56 20 33 65 34 20 32 65 2D 39 0A
      0000  31 36 20 4F 4B 0A`);
    await exchange(host, `0000  31 37 20 47 41 49 4E 3F 20 31 0A`, `0000  31 37 20 4F 4B 20 35 0A`);
    await exchange(host, `0000  31 38 20 4C 50 46 3F 20 31 0A`, `0000  31 38 20 4F 4B 20 33 65 34 0A`);
    await exchange(host, `0000  31 39 20 43 4D 44 53 45 4E 53 3F 20 31 0A`, `0000  31 39 20 4F 4B 20 32 65 2D 39 0A`);
    await exchange(host, `
      0000  32 30 20 47 41 49 4E 20 31 20 33 0A`, `
      0000  32 30 20 45 52 52 20 33 20 67 61 69 6E 20 33 20
      0010  69 73 20 6E 6F 74 20 6F 6E 65 20 6F 66 20 31 2C
      0020  32 2C 35 2C 31 30 2C 32 30 2C 35 30 2C 31 30 30
      0030  2C 32 30 30 2C 35 30 30 2C 31 30 30 30 2C 32 30
      0040  30 30 0A`);
    await exchange(host, `
      0000  32 31 20 4C 50 46 20 31 20 35 65 33 0A`, `
      0000  32 31 20 45 52 52 20 33 20 6C 6F 77 2D 70 61 73
      0010  73 20 35 65 33 20 48 7A 20 69 73 20 6E 6F 74 20
      0020  6F 6E 65 20 6F 66 20 32 65 33 2C 34 65 33 2C 31
      0030  65 34 2C 33 65 34 2C 31 65 35 0A`);
  });

  it('§8.4 telegraph queries in IC, VC and I0', async () => {
    await exchange(host, `
      0000  32 32 20 54 45 4C 3F 20 31 0A`, `
      0000  32 32 20 4F 4B 20 49 43 20 35 30 20 56 2F 56 20
      0010  33 65 34 20 32 65 2D 39 0A`);
    await exchange(host, `
      0000  32 33 20 54 45 4C 3F 20 33 0A`, `
      0000  32 33 20 4F 4B 20 56 43 20 35 65 38 20 56 2F 41
      0010  20 31 65 34 20 30 2E 30 32 0A`);
    await exchange(host, `
      0000  32 34 20 54 45 4C 3F 20 32 0A`, `
      0000  32 34 20 4F 4B 20 49 30 20 31 30 20 56 2F 56 20
      0010  31 65 34 20 30 0A`);
  });

  it('§8.5 compensation settings and their queries; out of range refused', async () => {
    await exchange(host, `
      0000  32 35 20 42 52 49 44 47 45 20 31 20 31 2E 35 65
      0010  37 0A`, `
      0000  32 35 20 4F 4B 0A`);
    await exchange(host, `0000  32 36 20 42 52 49 44 47 45 45 4E 20 31 20 31 0A`, `0000  32 36 20 4F 4B 0A`);
    await exchange(host, `0000  32 37 20 4E 45 55 54 20 31 20 33 65 2D 31 32 0A`, `0000  32 37 20 4F 4B 0A`);
    await exchange(host, `0000  32 38 20 42 52 49 44 47 45 3F 20 31 0A`, `0000  32 38 20 4F 4B 20 31 2E 35 65 37 0A`);
    await exchange(host, `
      0000  32 39 20 43 46 41 53 54 20 33 20 34 2E 35 65 2D
      0010  31 32 0A`, `
      0000  32 39 20 4F 4B 0A`);
    await exchange(host, `
      0000  33 30 20 43 53 4C 4F 57 20 33 20 31 65 2D 31 32
      0010  0A`, `
      0000  33 30 20 4F 4B 0A`);
    await exchange(host, `0000  33 31 20 43 46 41 53 54 3F 20 33 0A`, `0000  33 31 20 4F 4B 20 34 2E 35 65 2D 31 32 0A`);
    await exchange(host, `0000  33 32 20 52 53 43 4F 4D 50 20 33 20 37 30 0A`, `0000  33 32 20 4F 4B 0A`);
    await exchange(host, `0000  33 33 20 52 53 42 57 20 33 20 32 65 33 0A`, `0000  33 33 20 4F 4B 0A`);
    await exchange(host, `0000  33 34 20 52 53 50 52 45 44 20 33 20 36 30 0A`, `0000  33 34 20 4F 4B 0A`);
    await exchange(host, `0000  33 35 20 52 53 43 4F 4D 50 45 4E 20 33 20 31 0A`, `0000  33 35 20 4F 4B 0A`);
    await exchange(host, `
      0000  33 36 20 52 53 43 4F 4D 50 20 33 20 31 35 30 0A`, `
      0000  33 36 20 45 52 52 20 33 20 52 53 43 4F 4D 50 20
      0010  31 35 30 20 25 20 69 73 20 6F 75 74 73 69 64 65
      0020  20 30 2E 2E 31 30 30 0A`);
    await exchange(host, `
      0000  33 37 20 57 43 43 4F 4D 50 20 33 20 32 2E 35 65
      0010  2D 31 31 20 31 2E 32 65 37 0A`, `
      0000  33 37 20 4F 4B 0A`);
    await exchange(host, `0000  33 38 20 57 43 43 4F 4D 50 45 4E 20 33 20 31 0A`, `0000  33 38 20 4F 4B 0A`);
    await exchange(host, `
      0000  33 39 20 57 43 43 4F 4D 50 3F 20 33 0A`, `
      0000  33 39 20 4F 4B 20 32 2E 35 65 2D 31 31 20 31 2E
      0010  32 65 37 0A`);
    await exchange(host, `
      0000  34 30 20 4F 46 46 53 45 54 20 33 20 2D 30 2E 30
      0010  31 32 33 0A`, `
      0000  34 30 20 4F 4B 0A`);
    await exchange(host, `0000  34 31 20 4F 46 46 53 45 54 3F 20 33 0A`, `0000  34 31 20 4F 4B 20 2D 30 2E 30 31 32 33 0A`);
  });

  it('§8.6 auto functions: a request during AUTO is refused at once, before the AUTO reply; wrong mode and unknown function', async () => {
    // 42 and 43 go out back to back: 43 arrives while AUTO 3 CFAST runs.
    await host.send(hex(`0000  34 32 20 41 55 54 4F 20 33 20 43 46 41 53 54 0A`));
    await host.send(hex(`0000  34 33 20 47 41 49 4E 3F 20 33 0A`));
    await host.expectBytes(hex(`
      0000  34 33 20 45 52 52 20 35 20 62 75 73 79 3A 20 41
      0010  55 54 4F 20 43 46 41 53 54 20 72 75 6E 6E 69 6E
      0020  67 0A`), 200);
    await host.expectBytes(hex(`0000  34 32 20 4F 4B 20 34 2E 33 37 65 2D 31 32 0A`));
    await exchange(host, `
      0000  34 34 20 41 55 54 4F 20 33 20 57 43 0A`, `
      0000  34 34 20 4F 4B 20 32 2E 35 31 65 2D 31 31 20 31
      0010  2E 31 38 65 37 0A`);
    await exchange(host, `
      0000  34 35 20 41 55 54 4F 20 33 20 4F 46 46 53 45 54
      0010  0A`, `
      0000  34 35 20 4F 4B 20 2D 30 2E 30 31 31 38 37 0A`);
    await exchange(host, `
      0000  34 36 20 41 55 54 4F 20 31 20 42 52 49 44 47 45
      0010  0A`, `
      0000  34 36 20 4F 4B 20 31 2E 35 32 65 37 0A`);
    // CSLOW is the slow part of the pipette capacitance (a quarter of it in SIMAMP8); by now the
    // bath has risen a little and the pipette shows 4.4 pF, of which 1.1 pF slow.
    (prep.probes[2] as PreparationProbe).pipetteCapacitance = 4.4e-12;
    await exchange(host, `
      0000  34 37 20 41 55 54 4F 20 33 20 43 53 4C 4F 57 0A`, `
      0000  34 37 20 4F 4B 20 31 2E 31 65 2D 31 32 0A`);
    await exchange(host, `
      0000  34 38 20 41 55 54 4F 20 31 20 43 46 41 53 54 0A`, `
      0000  34 38 20 45 52 52 20 34 20 41 55 54 4F 20 43 46
      0010  41 53 54 20 6E 65 65 64 73 20 56 43 0A`);
    await exchange(host, `
      0000  34 39 20 41 55 54 4F 20 33 20 53 4C 4F 57 0A`, `
      0000  34 39 20 45 52 52 20 32 20 75 6E 6B 6E 6F 77 6E
      0010  20 61 75 74 6F 20 66 75 6E 63 74 69 6F 6E 20 53
      0020  4C 4F 57 0A`);
  });

  it('§8.7 state of channels 1 and 3 after everything above', async () => {
    await exchange(host, `
      0000  35 30 20 53 54 41 54 45 3F 20 31 0A`, `
      0000  35 30 20 4F 4B 20 4D 4F 44 45 3D 49 43 20 48 4F
      0010  4C 44 3D 2D 35 65 2D 31 31 20 48 4F 4C 44 45 4E
      0020  3D 31 20 47 41 49 4E 3D 35 20 4C 50 46 3D 33 65
      0030  34 20 43 4D 44 53 45 4E 53 3D 32 65 2D 39 20 42
      0040  52 49 44 47 45 3D 31 2E 35 32 65 37 20 42 52 49
      0050  44 47 45 45 4E 3D 31 20 4E 45 55 54 3D 33 65 2D
      0060  31 32 20 43 46 41 53 54 3D 30 20 43 53 4C 4F 57
      0070  3D 30 20 52 53 43 4F 4D 50 3D 30 20 52 53 43 4F
      0080  4D 50 45 4E 3D 30 20 52 53 42 57 3D 31 65 33 20
      0090  52 53 50 52 45 44 3D 30 20 57 43 43 41 50 3D 30
      00A0  20 57 43 52 45 53 3D 30 20 57 43 43 4F 4D 50 45
      00B0  4E 3D 30 20 4F 46 46 53 45 54 3D 30 0A`);
    await exchange(host, `
      0000  35 31 20 53 54 41 54 45 3F 20 33 0A`, `
      0000  35 31 20 4F 4B 20 4D 4F 44 45 3D 56 43 20 48 4F
      0010  4C 44 3D 2D 30 2E 30 37 20 48 4F 4C 44 45 4E 3D
      0020  30 20 47 41 49 4E 3D 31 20 4C 50 46 3D 31 65 34
      0030  20 43 4D 44 53 45 4E 53 3D 30 2E 30 32 20 42 52
      0040  49 44 47 45 3D 30 20 42 52 49 44 47 45 45 4E 3D
      0050  30 20 4E 45 55 54 3D 30 20 43 46 41 53 54 3D 34
      0060  2E 33 37 65 2D 31 32 20 43 53 4C 4F 57 3D 31 2E
      0070  31 65 2D 31 32 20 52 53 43 4F 4D 50 3D 37 30 20
      0080  52 53 43 4F 4D 50 45 4E 3D 31 20 52 53 42 57 3D
      0090  32 65 33 20 52 53 50 52 45 44 3D 36 30 20 57 43
      00A0  43 41 50 3D 32 2E 35 31 65 2D 31 31 20 57 43 52
      00B0  45 53 3D 31 2E 31 38 65 37 20 57 43 43 4F 4D 50
      00C0  45 4E 3D 31 20 4F 46 46 53 45 54 3D 2D 30 2E 30
      00D0  31 31 38 37 0A`);
  });

  it('§8.9 errors: argument count, channel 9 and 0, lower-case mode, bad boolean, not a number', async () => {
    await exchange(host, `
      0000  35 32 20 4D 4F 44 45 20 31 0A`, `
      0000  35 32 20 45 52 52 20 32 20 4D 4F 44 45 20 6E 65
      0010  65 64 73 20 32 20 61 72 67 75 6D 65 6E 74 73 0A`);
    await exchange(host, `
      0000  35 33 20 4D 4F 44 45 20 39 20 56 43 0A`, `
      0000  35 33 20 45 52 52 20 33 20 63 68 61 6E 6E 65 6C
      0010  20 39 20 64 6F 65 73 20 6E 6F 74 20 65 78 69 73
      0020  74 20 28 31 2E 2E 38 29 0A`);
    await exchange(host, `
      0000  35 34 20 4D 4F 44 45 20 31 20 76 63 0A`, `
      0000  35 34 20 45 52 52 20 32 20 75 6E 6B 6E 6F 77 6E
      0010  20 6D 6F 64 65 20 76 63 0A`);
    await exchange(host, `
      0000  35 35 20 48 4F 4C 44 45 4E 20 31 20 32 0A`, `
      0000  35 35 20 45 52 52 20 32 20 48 4F 4C 44 45 4E 20
      0010  74 61 6B 65 73 20 30 20 6F 72 20 31 0A`);
    await exchange(host, `
      0000  35 36 20 48 4F 4C 44 20 31 20 61 62 63 0A`, `
      0000  35 36 20 45 52 52 20 32 20 61 62 63 20 69 73 20
      0010  6E 6F 74 20 61 20 6E 75 6D 62 65 72 0A`);
    await exchange(host, `
      0000  35 37 20 4D 4F 44 45 20 30 20 56 43 0A`, `
      0000  35 37 20 45 52 52 20 33 20 63 68 61 6E 6E 65 6C
      0010  20 30 20 64 6F 65 73 20 6E 6F 74 20 65 78 69 73
      0020  74 20 28 31 2E 2E 38 29 0A`);
    await host.expectSilence();
  });
});

describe('SIMAMP8 and the control-line examples of patchrig-control-lines.md §9', () => {
  let ports: SimulatedPorts;
  let host: RawHost;
  beforeEach(async () => {
    ({ ports, host } = await openAmplifier());
  });
  afterEach(async () => {
    await host.close();
    ports.dispose();
  });

  it('identity, version, ping', async () => {
    await exchange(host, `
      0000  31 20 2A 49 44 4E 3F 0A`, `
      0000  31 20 4F 4B 20 50 41 54 43 48 52 49 47 2C 53 49
      0010  4D 41 4D 50 38 2C 30 30 30 31 2C 31 2E 30 0A`);
    await exchange(host, `0000  32 20 50 52 4F 54 4F 3F 0A`, `0000  32 20 4F 4B 20 31 2E 30 0A`);
    await exchange(host, `0000  33 20 50 49 4E 47 0A`, `0000  33 20 4F 4B 0A`);
  });

  it('CR LF from a terminal is answered with LF alone', async () => {
    await exchange(host, `0000  36 20 50 49 4E 47 0D 0A`, `0000  36 20 4F 4B 0A`);
  });

  it('unknown verb; unreadable id answered with id 0; a byte ≥ 0x80 with a readable id', async () => {
    await exchange(host, `
      0000  35 20 46 4F 4F 0A`, `
      0000  35 20 45 52 52 20 31 20 75 6E 6B 6E 6F 77 6E 20
      0010  76 65 72 62 20 46 4F 4F 0A`);
    await exchange(host, `
      0000  78 20 50 49 4E 47 0A`, `
      0000  30 20 45 52 52 20 31 20 62 61 64 20 69 64 0A`);
    // The document prints the start of this reply; its message is spelled out in the heading line.
    await host.send(hex(`0000  37 20 50 49 4E 47 B5 0A`));
    await host.expectBytes(Buffer.from('7 ERR 1 byte 0xb5 at column 7 is not printable 7-bit ASCII\n', 'latin1'));
  });

  it('id wrap-around', async () => {
    await exchange(host, `0000  36 35 35 33 35 20 50 49 4E 47 0A`, `0000  36 35 35 33 35 20 4F 4B 0A`);
    await exchange(host, `0000  31 20 50 49 4E 47 0A`, `0000  31 20 4F 4B 0A`);
  });

  it('ignores empty lines; answers a lower-case verb as unknown; a line over 256 bytes with ERR 1 at its LF, under its id', async () => {
    await host.send('\n\r\n');
    await host.expectSilence(20);
    await host.send('8 mode 1 VC\n');
    await host.expectBytes(Buffer.from('8 ERR 1 unknown verb mode\n'));
    await host.send(`9 PING ${'x'.repeat(249)}`);
    await host.expectSilence(20);
    await host.send('\n');
    await host.expectBytes(Buffer.from('9 ERR 1 line too long (257 bytes, max 256)\n'));
    // 256 bytes with the LF is a line: this one is only too long for PING's arguments.
    await host.send(`10 PING ${'x'.repeat(247)}\n`);
    await host.expectBytes(Buffer.from('10 ERR 2 PING takes no arguments\n'));
  });
});

describe('SIMAMP8 rules of patchrig-amplifier.md beyond the printed examples', () => {
  let ports: SimulatedPorts;
  let host: RawHost;
  let sim: AmplifierSimulator;
  let prep: StubPreparation;
  beforeEach(async () => {
    prep = new StubPreparation();
    ({ ports, host, sim } = await openAmplifier(prep));
  });
  afterEach(async () => {
    await host.close();
    ports.dispose();
  });

  it('checks in the order of Part 1 §5.1: arguments (2) before the channel (3), the channel before the state (4), the state before the range (3)', async () => {
    await host.send('1 HOLD 9 abc\n');
    await host.expectBytes(Buffer.from('1 ERR 2 abc is not a number\n'));
    await host.send('2 MODE 2 I0\n');
    await host.expectBytes(Buffer.from('! TEL 2 I0 10 V/V 1e4 0\n2 OK\n'));
    await host.send('3 HOLD 9 5\n');
    await host.expectBytes(Buffer.from('3 ERR 3 channel 9 does not exist (1..8)\n'));
    // "So HOLD 1 5 in I0 is ERR 4, in VC ERR 3."
    await host.send('4 HOLD 2 5\n');
    await host.expectBytes(Buffer.from('4 ERR 4 no holding in I0\n'));
    await host.send('5 HOLD 1 5\n');
    await host.expectBytes(Buffer.from('5 ERR 3 HOLD 5 V is outside -1..1\n'));
  });

  it('in I0: HOLD and CMDSENS are refused (4), their queries and STATE? read 0, the telegraph reads 0', async () => {
    await host.send('1 MODE 4 I0\n');
    await host.expectBytes(Buffer.from('! TEL 4 I0 10 V/V 1e4 0\n1 OK\n'));
    await host.send('2 CMDSENS 4 0.5\n3 HOLD? 4\n4 CMDSENS? 4\n5 STATE? 4\n');
    await host.expectBytes(
      Buffer.from(
        '2 ERR 4 no command sensitivity in I0\n3 OK 0\n4 OK 0\n' +
          '5 OK MODE=I0 HOLD=0 HOLDEN=0 GAIN=1 LPF=1e4 CMDSENS=0 BRIDGE=0 BRIDGEEN=0 NEUT=0 CFAST=0 CSLOW=0 RSCOMP=0 RSCOMPEN=0 RSBW=1e3 RSPRED=0 WCCAP=0 WCRES=0 WCCOMPEN=0 OFFSET=0\n',
      ),
    );
  });

  it('keeps holding and command sensitivity per mode, and telegraphs the new mode\'s sensitivity', async () => {
    await host.send('1 HOLD 1 -0.07\n2 CMDSENS 1 0.1\n');
    await host.expectBytes(Buffer.from('1 OK\n! TEL 1 VC 5e8 V/A 1e4 0.1\n2 OK\n'));
    await host.send('3 MODE 1 IC\n4 HOLD? 1\n5 MODE 1 VC\n6 HOLD? 1\n');
    await host.expectBytes(Buffer.from('! TEL 1 IC 10 V/V 1e4 4e-10\n3 OK\n4 OK 0\n! TEL 1 VC 5e8 V/A 1e4 0.1\n5 OK\n6 OK -0.07\n'));
  });

  it('sends no ! TEL when a telegraphed value is set to what it already is, nor for settings outside the telegraph', async () => {
    await host.send('1 MODE 1 VC\n2 GAIN 1 1e0\n3 LPF 1 10000\n4 CMDSENS 1 0.02\n5 HOLDEN 1 1\n6 BRIDGE 1 1e6\n');
    await host.expectBytes(Buffer.from('1 OK\n2 OK\n3 OK\n4 OK\n5 OK\n6 OK\n'));
    await host.expectSilence();
  });

  it('answers every request but PING with ERR 5 while AUTO runs — *IDN?, *RST and unknown verbs included', async () => {
    await host.send('1 AUTO 2 CFAST\n2 *IDN?\n3 *RST\n4 FOO\n5 PING\n6 GAIN? 2\n');
    await host.expectBytes(
      Buffer.from(
        '2 ERR 5 busy: AUTO CFAST running\n3 ERR 5 busy: AUTO CFAST running\n4 ERR 5 busy: AUTO CFAST running\n' +
          '5 OK\n6 ERR 5 busy: AUTO CFAST running\n',
      ),
      100,
    );
    await host.expectBytes(Buffer.from('1 OK 5e-12\n'));
    // Busy ends with the reply.
    await host.send('7 GAIN? 2\n');
    await host.expectBytes(Buffer.from('7 OK 1\n'));
  });

  it('replies to AUTO within the 5 s of §3.3 (here after the configured 50 ms), not at once', async () => {
    const t0 = performance.now();
    await host.send('1 AUTO 5 OFFSET\n');
    await host.expectBytes(Buffer.from('1 OK 2e-3\n'));
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(45);
    expect(ms).toBeLessThan(5000);
  });

  it('answers ERR 6 and changes nothing when an auto function cannot converge', async () => {
    // A pipette in the bath: no whole cell to compensate.
    (prep.probes[0] as PreparationProbe).membraneCapacitance = 0;
    // An offset far beyond the ±0.1 V the offset circuit can null.
    (prep.probes[1] as PreparationProbe).pipetteOffsetVolts = 0.3;
    await host.send('1 AUTO 1 WC\n');
    await host.expectBytes(Buffer.from('1 ERR 6 AUTO WC failed: no whole-cell capacitance found\n'));
    await host.send('2 AUTO 2 OFFSET\n');
    await host.expectBytes(Buffer.from('2 ERR 6 AUTO OFFSET failed: pipette offset beyond the offset range\n'));
    await host.send('3 WCCOMP? 1\n4 WCCOMPEN? 1\n5 OFFSET? 2\n');
    await host.expectBytes(Buffer.from('3 OK 0 0\n4 OK 0\n5 OK 0\n'));
  });

  it('sets BRIDGEEN with AUTO BRIDGE and WCCOMPEN with AUTO WC', async () => {
    await host.send('1 AUTO 1 WC\n');
    await host.expectBytes(Buffer.from('1 OK 1e-10 1e7\n'));
    await host.send('2 MODE 1 IC\n');
    await host.expectBytes(Buffer.from('! TEL 1 IC 10 V/V 1e4 4e-10\n2 OK\n'));
    await host.send('3 AUTO 1 BRIDGE\n');
    await host.expectBytes(Buffer.from('3 OK 1e7\n'));
    await host.send('4 WCCOMPEN? 1\n5 BRIDGEEN? 1\n');
    await host.expectBytes(Buffer.from('4 OK 1\n5 OK 1\n'));
  });

  it('checks both WCCOMP values before storing either; refuses values outside ranges in ASCII', async () => {
    await host.send('1 WCCOMP 1 2e-11 5e8\n2 WCCOMP? 1\n3 BRIDGE 1 2e9\n');
    await host.expectBytes(Buffer.from('1 ERR 3 WCCOMP 5e8 ohm is outside 0..1e8\n2 OK 0 0\n3 ERR 3 BRIDGE 2e9 ohm is outside 0..1e9\n'));
  });

  it('telegraphs a front-panel change at once, and *RST telegraphs every channel back to the defaults', async () => {
    sim.frontPanel(5, { gain: 20, lpfHz: 2e3 });
    await host.expectBytes(Buffer.from('! TEL 5 VC 1e10 V/A 2e3 0.02\n'));
    await host.send('1 *RST\n');
    const tels = Array.from({ length: 8 }, (_, i) => `! TEL ${i + 1} VC 5e8 V/A 1e4 0.02\n`).join('');
    await host.expectBytes(Buffer.from(`! RESET\n${tels}1 OK\n`));
    await host.send('2 GAIN? 5\n');
    await host.expectBytes(Buffer.from('2 OK 1\n'));
  });
});
