import type { Command } from 'commander';

// Placeholder until src/lists lands: registers the `lists` command group.
export function registerLists(program: Command): void {
  program.command('lists').description('validate, import and update site lists');
}
