/** Stable codes of the experiment manager's refusals (DESIGN §9); the HTTP layer maps them to statuses. */
export type ExperimentErrorCode =
  | 'EXPERIMENT_INVALID' // the request names a bad field (protocol, definition, headstages, metadata…)
  | 'EXPERIMENT_BUSY' // an experiment is already on the rig
  | 'EXPERIMENT_NONE' // no experiment has been created
  | 'EXPERIMENT_STATE' // the experiment's phase forbids the command
  | 'SAFETY_LIMIT' // a command level beyond the rig's limits
  | 'FILE_NAME' // a file name that could leave the data directory
  | 'FILE_NOT_FOUND'
  | 'FILE_BUSY'; // the file of the running experiment

export class ExperimentError extends Error {
  readonly code: ExperimentErrorCode;
  /** One sentence per problem, each starting with the field. */
  readonly problems: string[];
  constructor(code: ExperimentErrorCode, message: string, problems: string[] = []) {
    super(message);
    this.name = 'ExperimentError';
    this.code = code;
    this.problems = problems;
  }
}

/** A request with bad fields: the message lists every problem so one sentence tells what to fix. */
export function invalid(problems: string[]): ExperimentError {
  return new ExperimentError('EXPERIMENT_INVALID', problems.join('; '), problems);
}
