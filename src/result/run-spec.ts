import type { Layout, MachineConfig } from '../layout/types.ts';
import type { CostModel } from '../models/types.ts';

/** Everything that determines one replay. Same RunSpec (and trace bytes) → byte-identical RunResult. */
export interface RunSpec {
  /** Path of an HMT trace (.hmt or .hmt.gz). */
  readonly tracePath: string;
  readonly config: MachineConfig;
  readonly model: CostModel;
  readonly seed: number;
  /** Treat every user page as present: no faults, no kernel activity — a pure TLB replay. */
  readonly prefault: boolean;
  /** Records replayed first and not counted (`--warmup`): a number, or a percentage of the trace's records. Absent: none. */
  readonly warmup?: Warmup;
}

/** `--warmup N` (records) or `--warmup P%` (of the trace's records, rounded down). */
export type Warmup = { readonly records: number } | { readonly percent: number };

export interface ReplayOptions {
  /** Called now and then with the number of records replayed so far (progress bars). */
  readonly onProgress?: (recordsDone: number, recordsTotal: number) => void;
  /** Aborts the replay (SIGINT): the promise rejects with an AbortError. */
  readonly signal?: AbortSignal;
  /**
   * The trace file's SHA-256 when the caller already has it (a comparison takes it from its first
   * replay): the replay then reports it instead of hashing the file again.
   */
  readonly traceSha256?: string;
  /** The layout of the spec's configuration when the caller computed it already (the run service). */
  readonly layout?: Layout;
}
