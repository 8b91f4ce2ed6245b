import type { Command } from 'commander';

// Placeholder until src/lab lands: registers the `lab` command group.
export function registerLab(program: Command): void {
  program.command('lab').description('the simulated Greek ISP (network namespaces) for tests and demos');
}
