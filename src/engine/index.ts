/**
 * hmsim's discrete-event core: domain-free (no x86, pages or TLBs here), after SimPy's design.
 *
 * ```
 *                 schedule(delay, fn, payload)        SimEvent.succeed/fail(delay)
 *   callbacks ───────────────┐                 ┌───────────── events & processes
 *   (hot path, no alloc)     ▼                 ▼              (generators yield delays/events)
 *                    ┌────────────────────────────────┐
 *                    │ EventQueue: binary min-heap on │
 *                    │ (time, seq) — seq breaks ties  │
 *                    └───────────────┬────────────────┘
 *                                    │ pop earliest
 *        observeSteps(hook) ──wraps──▶ Simulation.step(): now = time; callback(payload)
 *                                    │   (a throw — or a failed event nobody defused — stops the run)
 *                                    ▼
 *                     run(): until empty | until time | until event | stop()
 *
 *   resources/ (built only on the public event API):
 *     SpinLock  ── FIFO grants; timing from a LockPolicy: ticket (handoff(n waiters)) | queued (handoff(1))
 *     WaitQueue ── sleep until woken, FIFO wake order
 *     Rendezvous / allOf ── fire when k parties arrived (IPI sent to k CPUs → wait for k acks)
 *
 *   StreamClocks ── N per-stream local clocks; always advance the smallest (min-scan or heap), and step
 *                   the queue when its next entry is due first: per-CPU records never enter the queue.
 * ```
 *
 * Time is a plain number; the machine uses cycles. Everything is deterministic: the same calls in the
 * same order give the same event order (no wall clock, no randomness except the RNG a caller passes in).
 */
export { EventQueue, type Callback, type PopSink } from './event-queue.ts';
export { Simulation, type RunOutcome, type RunStopReason, type StepInfo } from './simulation.ts';
export { SimEvent, type EventCallback, type EventState } from './event.ts';
export { Process, type ProcessBody, type Yieldable } from './process.ts';
export { observeSteps, type StepHook } from './observe.ts';
export { Fifo } from './fifo.ts';
export { SpinLock, type SpinLockStats } from './resources/spin-lock.ts';
export { lockPolicy, queuedPolicy, ticketPolicy, type LockCosts, type LockPolicy } from './resources/lock-policy.ts';
export { WaitQueue } from './resources/wait-queue.ts';
export { Rendezvous, allOf } from './resources/rendezvous.ts';
export {
  createStreamClocks,
  HeapClocks,
  ScanClocks,
  SCAN_LIMIT,
  type StreamClocks,
} from './stream-clocks.ts';
