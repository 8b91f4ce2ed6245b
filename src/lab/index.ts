// The lab's module API, for the CLI, the tests and the probe.
import { labDown } from './down.js';
import { labUp, type LabUpOptions } from './up.js';
import { labStatus, type LabStatus } from './status.js';
import { labVerify, type VerifyResult } from './verify.js';
import { readEndpoints, readGroundTruth, type LabEndpoints, type LabLatency } from './endpoints.js';
import { inClient, type SpawnArgs } from './exec.js';
import { runDemo, type DemoOptions, type ProbeRunner, type ProbeVerdict } from './demo.js';
import type { GroundTruth, Layers, Verdict } from './scenarios.js';

export { labUp, labDown, labStatus, labVerify, readEndpoints, readGroundTruth, inClient, runDemo };
export type { LabUpOptions, LabStatus, VerifyResult, LabEndpoints, LabLatency, SpawnArgs, DemoOptions, ProbeRunner, ProbeVerdict, GroundTruth, Layers, Verdict };
export { labPackages } from './packages.js';
