/**
 * Checks of TLB geometry (model `tlb.*`, reachable with `--set`): run once at the edge, so the TLB
 * constructors can trust their input.
 */
import { UserError } from '../errors.ts';
import type { Replacement, TlbGeometry, TlbLevel } from '../models/types.ts';

/** Throws a UserError naming the `tlb.<level>.*` key when a level cannot be built. */
export function validateTlbLevel(key: string, level: TlbLevel, replacement: Replacement, optional: boolean): void {
  const { entries, ways } = level;
  if (!Number.isInteger(entries) || entries < 0 || (entries === 0 && !optional)) {
    throw new UserError(`tlb.${key}.entries: expected an integer ${optional ? '>= 0' : '>= 1'}, got ${entries}`);
  }
  if (entries === 0) return;
  if (!Number.isInteger(ways) || ways < 1 || ways > entries || entries % ways !== 0) {
    throw new UserError(`tlb.${key}.ways: expected an integer from 1 to ${entries} dividing tlb.${key}.entries (${entries}), got ${ways}`);
  }
  if (replacement === 'plru' && (ways & (ways - 1)) !== 0) {
    throw new UserError(`tlb.${key}.ways: tlb.replacement=plru needs a power-of-two number of ways, got ${ways}`);
  }
}

/** Validates every level of a geometry (L1 I and D required; STLB and large-page array optional). */
export function validateTlbGeometry(g: TlbGeometry): void {
  if (g.replacement !== 'lru' && g.replacement !== 'plru') {
    throw new UserError(`tlb.replacement: expected lru or plru, got ${String(g.replacement)}`);
  }
  validateTlbLevel('l1i', g.l1i, g.replacement, false);
  validateTlbLevel('l1d', g.l1d, g.replacement, false);
  validateTlbLevel('stlb', g.stlb, g.replacement, true);
  validateTlbLevel('large', g.large, g.replacement, true);
}
