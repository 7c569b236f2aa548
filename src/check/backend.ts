import type { RunResult } from '../result/run-result.ts';
import type { ScenarioConfig } from './scenario.ts';

/** One replay a scenario asks for. */
export interface RunRequest {
  readonly tracePath: string;
  readonly config: ScenarioConfig;
  /** Cost model name or path. */
  readonly model: string;
  /** `key=value` overrides, scenario's first, then the command line's (later wins). */
  readonly sets: readonly string[];
  readonly seed: number;
  readonly prefault: boolean;
}

/** A request for a generated trace. */
export interface GenerateRequest {
  readonly workload: string;
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly seed: number;
  /** Where to write the .hmt file. */
  readonly outPath: string;
}

/**
 * What `hmsim check` needs from the rest of hmsim: generate a trace, replay it. The real one
 * (default-backend.ts) wires the generators, configurations, cost models and the replay; tests may
 * pass a fake.
 */
export interface CheckBackend {
  generate(req: GenerateRequest): Promise<void>;
  /** Replays; rejects when `signal` aborts (Ctrl-C). */
  run(req: RunRequest, signal?: AbortSignal): Promise<RunResult>;
}
