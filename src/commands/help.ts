// Every command's errors point to its own --help (`censorprobe report html --help`), not the top's.
import type { Command } from 'commander';

/** `censorprobe report html`: the words that reach this command. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Sets, on the program and every command under it, the line commander prints after an error, and
 * tells `onEnter` each command the parser enters (option values are checked before any action runs,
 * so the action alone cannot say whose option was wrong).
 */
export function pointToOwnHelp(cmd: Command, onEnter: (cmd: Command) => void = () => undefined): void {
  cmd.showHelpAfterError(`(run \`${commandPath(cmd)} --help\` for ${cmd.parent ? 'its options' : 'the commands'})`);
  if (cmd.commands.length > 0) cmd.hook('preSubcommand', (_self, sub) => onEnter(sub));
  for (const sub of cmd.commands) pointToOwnHelp(sub, onEnter);
}
