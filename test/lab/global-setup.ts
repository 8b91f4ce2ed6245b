// vitest globalSetup: brings the lab up once for the integration tests and down after. If the lab
// cannot come up (not root, a missing package, a service that fails) the whole run fails with the
// reason: lab tests never skip.
import { labDown, labUp } from '../../src/lab/index.js';

export async function setup(): Promise<void> {
  const e = await labUp({});
  console.log(`censorprobe lab up in ${(e.up_ms / 1000).toFixed(1)} s (endpoints in ${e.state_dir}/endpoints.json)`);
}

export async function teardown(): Promise<void> {
  await labDown();
}
