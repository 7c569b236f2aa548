import type { UpdateOutcome } from './runner.ts';

/**
 * What `--update` prints: per baseline "updated FILE" with one indented line per change, or
 * "unchanged FILE"; then "N baselines: U updated, K unchanged".
 */
export function formatUpdates(updates: readonly UpdateOutcome[]): string {
  const lines: string[] = [];
  for (const u of updates) {
    lines.push(`${u.changes.length === 0 ? 'unchanged' : 'updated  '} ${u.file}`);
    for (const c of u.changes) lines.push(`  ${c}`);
  }
  const changed = updates.filter((u) => u.changes.length > 0).length;
  lines.push(`${updates.length} baseline${updates.length === 1 ? '' : 's'}: ${changed} updated, ${updates.length - changed} unchanged`);
  return lines.join('\n') + '\n';
}
