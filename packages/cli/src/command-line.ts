/**
 * Commander set up for the exit-code rule: options commander requires are marked
 * `(required)` in `--help`, and every parse error becomes a {@link UsageError} with a code
 * and the option or argument at fault, printed once like any other error.
 *
 * @module command-line
 */
import { type Command, type CommanderError, Help, type Option } from 'commander';
import { UsageError } from './exit.js';

/** Commander's description of an option, plus `(required)` for a mandatory one. */
function optionDescription(this: Help, option: Option): string {
  const description = Help.prototype.optionDescription.call(this, option);
  return option.mandatory ? `${description} (required)` : description;
}

/** `agent-id token mint`: the words that run `command`. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The first mandatory option that has no value, as commander checks them. */
function missingOption(command: Command): Option | undefined {
  for (let c: Command | null = command; c !== null; c = c.parent) {
    const missing = c.options.find((o) => o.mandatory && c.getOptionValue(o.attributeName()) === undefined);
    if (missing !== undefined) return missing;
  }
  return undefined;
}

/** The usage error a commander parse error of `command` stands for (help and version pass through). */
function usageErrorOf(error: CommanderError, command: Command): CommanderError | UsageError {
  if (error.exitCode === 0) return error;
  const see = `see ${commandPath(command)} --help`;
  if (error.code === 'commander.missingMandatoryOptionValue') {
    const option = missingOption(command);
    if (option !== undefined) return new UsageError(`required option ${option.flags} is missing; ${see}`, { code: 'missing_option', check: option.long ?? option.flags });
  }
  // A command group run without one of its commands: commander has printed the group's help.
  if (error.code === 'commander.help') return new UsageError(`${commandPath(command)} needs a command`, { code: 'usage', check: 'command' });
  const message = error.message.replace(/^error: /, '').replace(/\n/g, ' ');
  return new UsageError(`${message}; ${see}`, { code: 'usage', check: error.code === 'commander.unknownCommand' ? 'command' : 'arguments' });
}

/** Applies the rule to `program` and every command registered under it so far. */
export function useCodedCommandLine(program: Command): void {
  const all = [program];
  for (let i = 0; i < all.length; i++) all.push(...all[i]!.commands);
  for (const command of all) {
    command.configureHelp({ optionDescription });
    // The UsageError is printed by the caller, like every other error: commander stays quiet.
    command.configureOutput({ outputError: () => undefined });
    command.showHelpAfterError(false);
    command.exitOverride((error) => {
      throw usageErrorOf(error, command);
    });
  }
}
