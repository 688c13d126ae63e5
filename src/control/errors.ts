/** Stable codes of the console's control refusals (DESIGN §9); the HTTP layer maps them to statuses. */
export type ControlErrorCode =
  | 'HEADSTAGE_NOT_FOUND' // no such headstage on the rig
  | 'ACQUIRING' // a sweep is being acquired: settings wait until it ends
  | 'SAFETY_LIMIT' // a level beyond the rig's limits: nothing was sent
  | 'DEVICE_REFUSED' // the device answered with an error (out of its range)
  | 'BAD_REQUEST'; // a field that no schema can express (e.g. nothing to change)

export class ControlError extends Error {
  constructor(
    readonly code: ControlErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}
