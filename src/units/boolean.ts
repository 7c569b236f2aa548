import { UsageError } from '../errors.ts';

/**
 * Parses a yes/no given as text at the edge (`--set pae=on`, a sweep grid's `pti=false`): true, yes, on,
 * 1 / false, no, off, 0, any case; anything else is a UserError naming `what`.
 * @example parseBoolean('--set pae', 'On') === true
 */
export function parseBoolean(what: string, text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === 'true' || t === '1' || t === 'yes' || t === 'on') return true;
  if (t === 'false' || t === '0' || t === 'no' || t === 'off') return false;
  throw new UsageError(`${what}: '${text}' is not true or false (expected true/false, yes/no, on/off or 1/0)`);
}
