/**
 * The console API contract (docs/protocols/console-api.md): TypeBox schemas of every REST payload
 * the console adds, and the types of the `/ws` JSON events. The routes validate with these schemas
 * and publish them as OpenAPI at `/docs`; the browser UI imports the types (type-only imports).
 * Units are SI throughout (V, A, Ω, F, s, Hz); times of day are ms since the Unix epoch.
 */
import Type from 'typebox';

// ---------------------------------------------------------------- access

/** Header that carries the controller seat's key on REST control requests. */
export const SEAT_HEADER = 'x-patchrig-seat';

/** Error codes of the access layer (problem documents and ws `error` events). */
export type AccessErrorCode = 'TOKEN_REQUIRED' | 'SEAT_HELD' | 'NOT_CONTROLLER';

// ---------------------------------------------------------------- headstages

export const ClampModeSchema = Type.Union([Type.Literal('VC'), Type.Literal('IC'), Type.Literal('I=0')]);
export type ClampModeName = Type.Static<typeof ClampModeSchema>;

export const HeadstageStateSchema = Type.Object({
  headstage: Type.Integer({ minimum: 0, description: '0-based headstage number' }),
  amplifier: Type.String({ description: 'amplifier device name in the rig file' }),
  channel: Type.Integer({ minimum: 1, description: '1-based amplifier channel' }),
  mode: ClampModeSchema,
  holding: Type.Object(
    { vc: Type.Number({ description: 'V' }), ic: Type.Number({ description: 'A' }) },
    { description: 'holding per mode, applied through the command output (V in VC, A in IC); kept by the service' },
  ),
  bridgeBalance: Type.Object({ enabled: Type.Boolean(), resistance: Type.Number({ description: 'Ω' }) }),
  capNeutralization: Type.Number({ description: 'F' }),
  pipetteOffset: Type.Number({ description: 'V' }),
  fastCap: Type.Number({ description: 'F' }),
  slowCap: Type.Number({ description: 'F' }),
  wholeCell: Type.Object({ enabled: Type.Boolean(), capacitance: Type.Number({ description: 'F' }), resistance: Type.Number({ description: 'Ω' }) }),
  rsCompensation: Type.Object({
    enabled: Type.Boolean(),
    correctionPercent: Type.Number({ description: '0–100 %' }),
    predictionPercent: Type.Number({ description: '0–100 %' }),
    bandwidth: Type.Number({ description: 'Hz' }),
  }),
  primaryGain: Type.Number({ description: 'primary output gain (1, 2, 5 … 2000)' }),
  lpf: Type.Number({ description: 'primary output low-pass cutoff, Hz' }),
  label: Type.Optional(Type.String({ description: 'cell label (service memory only)' })),
});
export type HeadstageState = Type.Static<typeof HeadstageStateSchema>;

/** `PATCH /api/headstages/:hs`: any subset of the settable fields. */
export const HeadstagePatchSchema = Type.Object(
  {
    mode: Type.Optional(ClampModeSchema),
    /** Switch VC↔IC through I=0 (default true). */
    viaIZero: Type.Optional(Type.Boolean({ description: 'VC↔IC goes through I=0 (default true)' })),
    holding: Type.Optional(Type.Object({ vc: Type.Optional(Type.Number({ description: 'V' })), ic: Type.Optional(Type.Number({ description: 'A' })) }, { additionalProperties: false })),
    bridgeBalance: Type.Optional(Type.Object({ enabled: Type.Optional(Type.Boolean()), resistance: Type.Optional(Type.Number({ minimum: 0, description: 'Ω' })) }, { additionalProperties: false })),
    capNeutralization: Type.Optional(Type.Number({ minimum: 0, description: 'F' })),
    pipetteOffset: Type.Optional(Type.Number({ description: 'V' })),
    fastCap: Type.Optional(Type.Number({ minimum: 0, description: 'F' })),
    slowCap: Type.Optional(Type.Number({ minimum: 0, description: 'F' })),
    wholeCell: Type.Optional(
      Type.Object(
        { enabled: Type.Optional(Type.Boolean()), capacitance: Type.Optional(Type.Number({ minimum: 0, description: 'F' })), resistance: Type.Optional(Type.Number({ minimum: 0, description: 'Ω' })) },
        { additionalProperties: false },
      ),
    ),
    rsCompensation: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          correctionPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
          predictionPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
          bandwidth: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Hz' })),
        },
        { additionalProperties: false },
      ),
    ),
    primaryGain: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    lpf: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Hz' })),
    label: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type HeadstagePatch = Type.Static<typeof HeadstagePatchSchema>;

export const AUTO_FUNCTION_NAMES = ['pipette-offset', 'fast-cap', 'slow-cap', 'bridge-balance', 'whole-cell'] as const;
export type AutoFunctionName = (typeof AUTO_FUNCTION_NAMES)[number];

/** `POST /api/headstages/:hs/auto/:fn` answers the values the device chose and the new state. */
export const AutoResultSchema = Type.Object({
  function: Type.String(),
  values: Type.Array(Type.Number(), { description: 'SI; whole-cell: [capacitance F, resistance Ω]' }),
  state: HeadstageStateSchema,
});
export type AutoResult = Type.Static<typeof AutoResultSchema>;

// ---------------------------------------------------------------- test pulse

export const PulseShapeSchema = Type.Object({ amplitude: Type.Number(), width: Type.Number({ exclusiveMinimum: 0, description: 's' }) });

export const TestPulseStatusSchema = Type.Object({
  running: Type.Boolean({ description: 'the user wants it on (it is held while an experiment acquires)' }),
  active: Type.Boolean({ description: 'pulses are being played right now' }),
  settings: Type.Object({
    vc: Type.Object({ amplitude: Type.Number({ description: 'V' }), width: Type.Number({ description: 's' }) }),
    ic: Type.Object({ amplitude: Type.Number({ description: 'A' }), width: Type.Number({ description: 's' }) }),
    average: Type.Integer({ minimum: 1 }),
  }),
  rate: Type.Optional(Type.Number({ description: 'test-pulse cycles per second over the last second' })),
  error: Type.Optional(Type.String()),
});
export type TestPulseStatus = Type.Static<typeof TestPulseStatusSchema>;

export const TestPulsePutSchema = Type.Object(
  {
    running: Type.Optional(Type.Boolean()),
    vc: Type.Optional(Type.Object({ amplitude: Type.Optional(Type.Number({ description: 'V' })), width: Type.Optional(Type.Number({ minimum: 0.0005, maximum: 0.5, description: 's' })) }, { additionalProperties: false })),
    ic: Type.Optional(Type.Object({ amplitude: Type.Optional(Type.Number({ description: 'A' })), width: Type.Optional(Type.Number({ minimum: 0.0005, maximum: 0.5, description: 's' })) }, { additionalProperties: false })),
    average: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);
export type TestPulsePut = Type.Static<typeof TestPulsePutSchema>;

/** One headstage's test-pulse reading, SI (Ω, F, s, A, V). Values may be NaN → sent as null. */
export interface TestPulseReadingEvent {
  headstage: number;
  mode: 'VC' | 'IC';
  Ra: number | null;
  Ri: number | null;
  Rss: number | null;
  /** Peak resistance: amplitude / peak current (VC), null in IC. */
  Rpeak: number | null;
  Cm: number | null;
  tau: number | null;
  /** Baseline before the pulse: A in VC, V in IC. */
  baseline: number | null;
  /** VC only: holding current, A. */
  holdingCurrent?: number | null;
  /** IC only: membrane potential, V. */
  vm?: number | null;
}

// ---------------------------------------------------------------- sweeps

export const SweepSummarySchema = Type.Object({
  sweep: Type.Integer(),
  protocol: Type.String(),
  stimulusName: Type.String(),
  startTime: Type.String({ description: 'ISO 8601' }),
  sampleRate: Type.Number({ description: 'Hz' }),
  scans: Type.Integer(),
  aborted: Type.Boolean(),
  headstages: Type.Array(Type.Object({ headstage: Type.Integer(), mode: ClampModeSchema })),
  qc: Type.Array(Type.Object({ headstage: Type.Integer(), pass: Type.Boolean(), reasons: Type.Array(Type.String()) })),
});
export type SweepSummary = Type.Static<typeof SweepSummarySchema>;

export const MinMaxSchema = Type.Object({ min: Type.Array(Type.Number()), max: Type.Array(Type.Number()) });
export type MinMax = Type.Static<typeof MinMaxSchema>;

export const SweepDataSchema = Type.Object({
  sweep: Type.Integer(),
  sampleRate: Type.Number({ description: 'Hz' }),
  scans: Type.Integer({ description: 'samples in the whole sweep' }),
  from: Type.Number({ description: 's, first sample covered' }),
  to: Type.Number({ description: 's, end of the covered range' }),
  factor: Type.Integer({ description: 'samples per column; 1 = raw samples (min = max)' }),
  resolution: Type.Union([Type.Literal('full'), Type.Literal('overview')], { description: 'overview: from the kept decimated copy (older sweeps)' }),
  headstages: Type.Array(Type.Object({ headstage: Type.Integer(), mode: ClampModeSchema, command: MinMaxSchema, response: MinMaxSchema })),
});
export type SweepData = Type.Static<typeof SweepDataSchema>;

export const SweepQuerySchema = Type.Object({
  width: Type.Integer({ minimum: 1, maximum: 16384, description: 'columns wanted' }),
  headstages: Type.Optional(Type.String({ pattern: '^\\d+(,\\d+)*$', description: 'comma-separated headstage numbers (default: all)' })),
  from: Type.Optional(Type.Number({ minimum: 0, description: 's' })),
  to: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 's' })),
});
export type SweepQuery = Type.Static<typeof SweepQuerySchema>;

// ---------------------------------------------------------------- experiment status additions

/** Fields added to `GET /api/experiments/current` and `acquisition.state`. */
export interface ExperimentTiming {
  /** ms epoch at which the next sweep starts, during rests; absent otherwise. */
  nextAt?: number;
  /** ms epoch of the expected end (realtime runs). */
  eta?: number;
  /** Last sweep number safely on disk (fsynced), or null before the first. */
  storedThrough: number | null;
  /** Duration of the next (or current) sweep, s. */
  sweepDuration?: number;
}

/**
 * An experiment's phase as the API reports it: the runner's phases, plus `preparing` (auto-bias and
 * calibration before the first sweep) and `closing` (the run ended and its NWB file is being
 * closed; the final phase is reported only once the file is complete).
 */
export type ExperimentPhase = 'preparing' | 'idle' | 'acquiring' | 'resting' | 'paused' | 'done' | 'aborted' | 'failed' | 'closing';

/** `GET /api/experiments/current` and the ws `acquisition.state` event. */
export interface ExperimentStatus extends ExperimentTiming {
  id: string;
  protocol: string;
  phase: ExperimentPhase;
  /** Next planned sweep (0-based). */
  next: number;
  total: number;
  acquired: number;
  /** Sweeps stored in the file. */
  stored: number;
  /** File name in the data directory. */
  file: string;
  headstages: number[];
  /** ISO 8601. */
  createdAt: string;
  error?: string;
  calibration?: { headstage: number; scale: number; ok: boolean }[];
  /** Holding changes that could not be applied by the devices. */
  holdingErrors?: string[];
}

// ---------------------------------------------------------------- ws

/** Sweep index of test-pulse trace frames. */
export const TEST_PULSE_SWEEP = 0xffffffff;

export type SeatClientMessage = { type: 'seat.take'; token?: string; force?: boolean } | { type: 'seat.release' };

export type ConsoleEvent =
  | { type: 'seat'; role: 'controller'; key: string }
  | { type: 'seat'; role: 'viewer'; reason: string }
  | { type: 'clients'; viewers: number; controller: boolean }
  | { type: 'amplifier'; state: HeadstageState }
  | { type: 'testpulse'; at: number; rate: number; readings: TestPulseReadingEvent[] }
  | { type: 'qc'; experiment: string; sweep: number; headstages: { headstage: number; pass: boolean; reasons: string[] }[] }
  | { type: 'analysis'; [key: string]: unknown }
  | { type: 'error'; code?: string; message: string };
