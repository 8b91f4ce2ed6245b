import { CensorprobeError } from '../errors.js';

/** The lab needs root (network namespaces, iptables). */
export class LabNotRootError extends CensorprobeError {
  override readonly code = 'CP_LAB_NOT_ROOT';
}

/** A Debian package the lab runs is not installed. */
export class LabMissingPackageError extends CensorprobeError {
  override readonly code = 'CP_LAB_PACKAGE';
  readonly packages: readonly string[];
  constructor(packages: readonly string[]) {
    super(`the lab needs Debian package(s) not installed: ${packages.join(', ')}`, {
      hint: `apt-get install -y --no-install-recommends ${packages.join(' ')}`,
    });
    this.packages = packages;
  }
}

/** A scenario file row that cannot be built. */
export class ScenarioError extends CensorprobeError {
  override readonly code = 'CP_LAB_SCENARIO';
}

/** A lab command, process or service failed while bringing the lab up. */
export class LabStartError extends CensorprobeError {
  override readonly code = 'CP_LAB_START';
}

/** No lab is up (endpoints missing) when one is needed. */
export class LabNotUpError extends CensorprobeError {
  override readonly code = 'CP_LAB_NOT_UP';
}

/** `lab down` could not stop the lab's processes or delete its namespaces. */
export class LabDownError extends CensorprobeError {
  override readonly code = 'CP_LAB_DOWN';
}

/** The probe run inside the lab (`lab demo`) exited with a failure. */
export class LabProbeError extends CensorprobeError {
  override readonly code = 'CP_LAB_PROBE';
}

/** `lab verify`: checks of the lab's ground truth did not pass. */
export class LabCheckError extends CensorprobeError {
  override readonly code = 'CP_LAB_CHECK';
}
