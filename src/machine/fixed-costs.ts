/**
 * The costs of a run that are one number: a model cost whose form is a constant, a linear function or a
 * table (no random draw) evaluated at the argument the machine always passes (the PTE size, 0, the walk
 * depth of this configuration, a whole page of bytes). They are evaluated once, when the machine is
 * built, so the per-page hot path reads a field instead of calling a CostFn.
 *
 * A cost counts as fixed only when the model says so (its resolved parameter `costs.<name>` is a
 * constant, linear or table form) and the CostFn agrees: two calls give the same finite, non-negative
 * value without drawing from the RNG. Anything else (distributions, plug-in hooks, hand-built models
 * without `params`) is NOT_FIXED and the machine calls the CostFn as before, so the RNG stream and every
 * result stay the same either way.
 */
import type { CostFn, CostModel, Rng } from '../models/types.ts';
import { PAGE_SIZE } from '../units/address.ts';

/** Marks a cost that must be computed by calling its CostFn. */
export const NOT_FIXED = -1;

/** Fixed costs of one machine, cycles, or NOT_FIXED. */
export interface FixedCosts {
  /** costs.pteWrite(pteBytes). */
  readonly pteWrite: number;
  /** costs.invlpg(0). */
  readonly invlpg: number;
  /** costs.stlbHit(0). */
  readonly stlbHit: number;
  /** costs.walk(2): a kernel walk ending in a 4 KiB PTE (pkmap, fixmap). */
  readonly walkKernelSmall: number;
  /** costs.walk(largeWalkRefs): a kernel walk ending in a direct-map large page. */
  readonly walkKernelLarge: number;
  /** costs.walk(userWalkRefs): a user page walk. */
  readonly walkUser: number;
  /** costs.copy(4096): a whole page copied or cleared. */
  readonly copyPage: number;
  /** costs.pageAddressLookup(0). */
  readonly pageAddressLookup: number;
  /** costs.syscall(0). */
  readonly syscall: number;
  /** costs.cr3Write(0). */
  readonly cr3Write: number;
  /** costs.ptiTrampoline(0). */
  readonly ptiTrampoline: number;
}

/** Forms that draw nothing from the RNG: their value depends on n only. */
const DETERMINISTIC_FORMS = ['constant', 'linear', 'table'];

/** An RNG that fails when used: a CostFn that draws is not fixed. */
const NO_DRAW: Rng = {
  next(): number {
    throw new Error('fixed-cost probe: the cost drew from the RNG');
  },
};

/** The value of costs.`name`(n) when it is fixed for the run, else NOT_FIXED. */
export function fixedCost(model: CostModel, name: keyof CostModel['costs'], n: number): number {
  const fn: CostFn | undefined = model.costs[name];
  const param = model.params?.[`costs.${name}`];
  if (fn === undefined || param === undefined || param.kind !== 'cost') return NOT_FIXED;
  const form = param.value as object;
  if (!DETERMINISTIC_FORMS.some((k) => k in form)) return NOT_FIXED;
  let a: number;
  let b: number;
  try {
    a = fn(n, NO_DRAW);
    b = fn(n, NO_DRAW);
  } catch {
    return NOT_FIXED;
  }
  return Number.isFinite(a) && a >= 0 && a === b ? a : NOT_FIXED;
}

/** Evaluates the fixed costs of a machine with PTEs of `pteBytes` and walks of the given depths. */
export function fixedCosts(model: CostModel, shape: { pteBytes: number; largeWalkRefs: number; userWalkRefs: number }): FixedCosts {
  return {
    pteWrite: fixedCost(model, 'pteWrite', shape.pteBytes),
    invlpg: fixedCost(model, 'invlpg', 0),
    stlbHit: fixedCost(model, 'stlbHit', 0),
    walkKernelSmall: fixedCost(model, 'walk', 2),
    walkKernelLarge: fixedCost(model, 'walk', shape.largeWalkRefs),
    walkUser: fixedCost(model, 'walk', shape.userWalkRefs),
    copyPage: fixedCost(model, 'copy', PAGE_SIZE),
    pageAddressLookup: fixedCost(model, 'pageAddressLookup', 0),
    syscall: fixedCost(model, 'syscall', 0),
    cr3Write: fixedCost(model, 'cr3Write', 0),
    ptiTrampoline: fixedCost(model, 'ptiTrampoline', 0),
  };
}

/**
 * True when every per-page charge of a transient highmem copy (PTE write, STLB hit, 4 KiB kernel walk, a
 * whole page copied, INVLPG) is fixed for the run: a run of such copies then draws nothing from the RNG
 * and can be replayed in one loop (kernel-touch.ts copyCachedHighRun).
 */
export function transientChargesExact(f: FixedCosts): boolean {
  return f.pteWrite >= 0 && f.invlpg >= 0 && f.stlbHit >= 0 && f.walkKernelSmall >= 0 && f.copyPage >= 0;
}
