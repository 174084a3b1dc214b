/**
 * Small helpers the command modules share.
 *
 * @module commands/shared
 */
import { type Command, Option } from 'commander';

/** Adds the `--json` flag every command has. */
export function withJson(command: Command): Command {
  return command.addOption(new Option('--json', 'print the result as JSON (for machines)'));
}

/** Collects a repeatable option's values (`--trust A --trust B` or `--trust A B`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
