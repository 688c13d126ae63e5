/**
 * Records the example rig session (tests/support/rig-session.ts) on the built-in simulated rig into
 * tests/fixtures/recordings/sim-rig-session.jsonl, and prints what the session read. Run it again
 * (`node bin/run-ts.js scripts/record-rig-session.ts`) when the device protocol changes on purpose;
 * on a real rig, the same recorder turns its traffic into a regression test.
 */
import { fileURLToPath } from 'node:url';
import { TrafficRecorder, recordingBinding } from '../drivers/transport/recording.ts';
import { defaultSimulatedRig } from '../src/rig/default-rig.ts';
import { openRig } from '../src/rig/open-rig.ts';
import { runExampleSession } from '../tests/support/rig-session.ts';

const out = fileURLToPath(new URL('../tests/fixtures/recordings/sim-rig-session.jsonl', import.meta.url));
const recorder = new TrafficRecorder();
const rig = await openRig(defaultSimulatedRig(2, 3), {
  wrapBinding: (_device, binding) => (binding ? recordingBinding(binding, recorder) : binding),
});
const result = await runExampleSession(rig);
await rig.close();
await recorder.save(out);
process.stdout.write(`${JSON.stringify(result, null, 2)}\nrecorded ${recorder.events.length} events into ${out}\n`);
