import type { Command } from 'commander';

/**
 * Makes `--help` show list defaults the way they are typed: `(default: sigmoid)` and
 * `(default: clm bottom:1 all)` instead of commander's JSON (`["sigmoid"]`). Comma-joined for a flag that
 * takes one comma-separated value, space-joined for a variadic one. Walks the whole tree, so flags
 * added later get it too.
 */
export function describeListDefaults(command: Command): void {
  for (const option of command.options) {
    if (!Array.isArray(option.defaultValue) || option.defaultValueDescription !== undefined) continue;
    option.defaultValueDescription = option.defaultValue.map(String).join(option.variadic ? ' ' : ',');
  }
  for (const sub of command.commands) describeListDefaults(sub);
}
