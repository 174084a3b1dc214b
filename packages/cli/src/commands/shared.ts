/**
 * The `--json` flag every command has.
 *
 * @module commands/shared
 */
import { type Command, Option } from 'commander';

/** Adds the `--json` flag every command has. */
export function withJson(command: Command): Command {
  return command.addOption(new Option('--json', 'print the result as JSON (for machines)'));
}
