/**
 * The shapes the console receives. The contract's own types come from the server's contract
 * module (type-only imports, erased at build time: the bundle contains nothing of `src`).
 */
export type {
  AutoFunctionName,
  ConsoleEvent,
  HeadstagePatch,
  HeadstageState,
  SweepData,
  SweepSummary,
  TestPulsePut,
  TestPulseReadingEvent,
  TestPulseStatus,
  ExperimentTiming,
  ExperimentPhase,
  ExperimentStatus,
} from '../../src/server/console-api.ts';

export interface ProtocolSummary {
  id: string;
  title: string;
  description: string;
}

/** The JSON-schema subset protocol definitions use (TypeBox output). */
export interface JsonSchema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  unit?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

export interface ProtocolDetail extends ProtocolSummary {
  schema: JsonSchema;
  defaults?: Record<string, unknown>;
}

export interface RigInfo {
  name: string;
  headstages: unknown[];
}

export interface HelloEvent {
  type: 'hello';
  version: number;
  headstages: number;
  sampleRate: number;
}
