// The one way a command prints its result: the data as one JSON document with
// --json (a script reads stdout), else the text made for people.
import type { CliContext } from '../context.ts';

/** Writes `data` as one JSON line (with --json) or `text`. */
export function print(ctx: CliContext, json: boolean, data: unknown, text: string): void {
  ctx.stdout.write(json ? `${JSON.stringify(data)}\n` : text);
}
