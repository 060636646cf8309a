// What makes up a campaign's results (lib/store/sources.ts says which campaigns
// and which of them provides each run): the `.vec`-dating `.vci` header. Pure;
// campaign/results.ts does the reading and writing.

/** The `file <size> <mtime>` line that starts a `.vci`: the size and mtime (seconds) of its `.vec`. */
export function parseVciHeader(text: string): { size: number; mtime: number } | undefined {
  const match = /^file\s+(\d+)\s+(\d+)\s*$/m.exec(text.split('\n', 1)[0] ?? '');
  if (!match) return undefined;
  return { size: Number(match[1]), mtime: Number(match[2]) };
}
