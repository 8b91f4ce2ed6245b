// vitest globalSetup of the lab project. Global setup runs before any test, while the unit project
// would still be running beside it and load the machine; the lab's latency calibration at `up` must
// happen on a quiet machine. So the lab is brought up by the project's setup file (test/lab/ensure.ts),
// when the first lab file starts (the lab project runs after the unit project: sequence.groupOrder),
// and taken down here after the last one. If the lab cannot come up, the tests fail with the reason.
import { labDown } from '../../src/lab/index.js';

export async function setup(): Promise<void> {}

export async function teardown(): Promise<void> {
  await labDown();
}
