/**
 * Observation hooks. Like SimPy's monitoring recipe, a hook wraps `step()` on one simulation instance
 * instead of adding flags to the loop: an unobserved simulation pays nothing.
 */
import type { Simulation, StepInfo } from './simulation.ts';

/** Called after each processed entry; `info` is reused between calls (copy what you keep). */
export type StepHook = (info: StepInfo, sim: Simulation) => void;

/** Wraps `sim.step` so `hook` runs after every processed entry. Returns a function that unwraps it. */
export function observeSteps(sim: Simulation, hook: StepHook): () => void {
  const inner = sim.step;
  const wrapped = function (this: Simulation): boolean {
    const stepped = inner.call(this);
    if (stepped) hook(this.lastStep, this);
    return stepped;
  };
  sim.step = wrapped;
  return () => {
    if (sim.step === wrapped) sim.step = inner;
  };
}
