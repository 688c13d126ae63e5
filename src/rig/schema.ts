import Type from 'typebox';

/**
 * The rig file: which devices exist, how headstages map onto amplifier channels and digitizer
 * channels, and the safety limits every command must pass. JSON or YAML; validated against this
 * schema before anything is opened.
 */

const DeviceName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,31}$', description: 'a name: a letter, then up to 31 letters, digits, _ or -' });

export const AmplifierDeviceSchema = Type.Object(
  {
    kind: Type.Literal('amplifier'),
    protocol: Type.Literal('patchrig-amp/1', { description: 'wire protocol (docs/protocols/patchrig-amplifier.md)' }),
    port: Type.String({ minLength: 1, description: '"sim" for the built-in simulator, or a serial port path' }),
    baudRate: Type.Optional(Type.Integer({ minimum: 300, maximum: 12_000_000 })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 60_000 })),
  },
  { additionalProperties: false },
);

export const DigitizerDeviceSchema = Type.Object(
  {
    kind: Type.Literal('digitizer'),
    protocol: Type.Literal('patchrig-daq/1', { description: 'wire protocol (docs/protocols/patchrig-digitizer.md)' }),
    port: Type.String({ minLength: 1, description: '"sim" for the built-in simulator, or a serial port path' }),
    baudRate: Type.Optional(Type.Integer({ minimum: 300, maximum: 12_000_000 })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 10, maximum: 60_000 })),
    stallTimeoutMs: Type.Optional(
      Type.Integer({ minimum: 100, maximum: 600_000, description: 'no AI block for this long while acquiring fails the sweep (default 2000 ms, longer for slow block rates)' }),
    ),
  },
  { additionalProperties: false },
);

export const DeviceSchema = Type.Union([AmplifierDeviceSchema, DigitizerDeviceSchema]);

export const HeadstageSchema = Type.Object(
  {
    amplifier: DeviceName,
    /** 1-based amplifier channel, as on the front panel. */
    channel: Type.Integer({ minimum: 1, maximum: 64 }),
    digitizer: DeviceName,
    /** 0-based analog output driving the amplifier's command input. */
    ao: Type.Integer({ minimum: 0, maximum: 255 }),
    /** 0-based analog input reading the amplifier's primary output. */
    ai: Type.Integer({ minimum: 0, maximum: 255 }),
    label: Type.Optional(Type.String({ maxLength: 64 })),
    /**
     * Fixed scaling for amplifiers that do not telegraph: command sensitivity (V/V in VC, A/V in
     * IC) and output scale (V/A in VC, V/V in IC). Telegraphed values are used when absent.
     */
    scaling: Type.Optional(
      Type.Object(
        {
          commandSensitivity: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          outputScale: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const SafetyLimitsSchema = Type.Object(
  {
    /** Largest |current| a command may ask for, A (DESIGN §9: 2 nA). */
    maxCurrent: Type.Number({ exclusiveMinimum: 0, maximum: 2e-7, default: 2e-9 }),
    /** Largest |voltage| a command may ask for, V (DESIGN §9: 200 mV). */
    maxVoltage: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.2 }),
  },
  { additionalProperties: false },
);

export const SimulationSchema = Type.Object(
  {
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1 })),
    /** "max": as fast as the host reads; "realtime": paced to the wall clock. */
    speed: Type.Optional(Type.Union([Type.Literal('max'), Type.Literal('realtime')])),
    /**
     * What the simulated pipettes touch: "slice" (default), model neurons with synapses, the first
     * cells patched on each amplifier's channels (at most 8 channels per amplifier); or "passive",
     * one RC cell per channel.
     */
    preparation: Type.Optional(Type.Union([Type.Literal('slice'), Type.Literal('passive')])),
    /** Cells in each amplifier's slice (default 8, at least the amplifier's channels). */
    cells: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
    /** Stochastic transmitter release at the slice's synapses (default false: mean release). */
    stochasticRelease: Type.Optional(Type.Boolean()),
    /** Slice temperature, °C (default 36). */
    celsius: Type.Optional(Type.Number({ minimum: 0, maximum: 45 })),
    /** Compute the physics in a worker thread (default: true for a slice, false for passive cells). */
    worker: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const RigConfigSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    devices: Type.Record(DeviceName, DeviceSchema, { additionalProperties: false, minProperties: 1 }),
    headstages: Type.Array(HeadstageSchema, { minItems: 1, maxItems: 16 }),
    safety: Type.Optional(SafetyLimitsSchema),
    simulation: Type.Optional(SimulationSchema),
  },
  { additionalProperties: false },
);

export type AmplifierDeviceConfig = Type.Static<typeof AmplifierDeviceSchema>;
export type DigitizerDeviceConfig = Type.Static<typeof DigitizerDeviceSchema>;
export type DeviceConfig = Type.Static<typeof DeviceSchema>;
export type HeadstageConfig = Type.Static<typeof HeadstageSchema>;
export type SafetyLimits = Type.Static<typeof SafetyLimitsSchema>;
export type RigConfig = Type.Static<typeof RigConfigSchema>;

export const DEFAULT_SAFETY: SafetyLimits = { maxCurrent: 2e-9, maxVoltage: 0.2 };
