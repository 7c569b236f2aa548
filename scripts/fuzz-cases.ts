/**
 * The fuzz cases of `npm run fuzz` (scripts/fuzz.ts) and of the bounded run in `npm test`
 * (tests/hostile/fuzz.test.ts): case number N of a seed is always the same input.
 *
 * Targets, in turn: the HMT reader plus a full replay of what it accepts (uncompressed and gzip; inputs
 * are byte mutations of a small valid trace, or valid framing around records with hostile values —
 * 1e308, ±∞, NaN, 2^32, op 200 — so the value checks are reached past the checksums), every importer
 * (byte mutations of its sample), the model loader (mutated model JSON and random `--set`) and the
 * scenario loader (mutated scenario JSON).
 *
 * A case passes when the target succeeds or throws a one-line UserError. Anything else is a crash (what
 * exits 70 from the CLI); a heap abort or a hang is seen by the runner from outside.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { encode } from '@msgpack/msgpack';
import { crc32 } from 'node:zlib';
import { UserError } from '../src/errors.ts';
import { openTrace } from '../src/trace/hmt/reader.ts';
import { IMPORTERS } from '../src/trace/importers/registry.ts';
import type { RecordBatch, TraceRecord, TraceSink } from '../src/trace/records.ts';
import { defaultRelocationFor, parseRelocation, Relocator } from '../src/trace/relocate.ts';
import { resolveModel } from '../src/models/load.ts';
import { compileScenarioSchema, loadScenario } from '../src/check/load-scenario.ts';
import { replayMachineSource } from '../src/machine/replay.ts';
import { computeLayout } from '../src/layout/compute.ts';
import { resolveConfig } from '../src/layout/configs.ts';
import { loadModel } from '../src/models/load.ts';
import { Readable } from 'node:stream';

/** A small deterministic generator (xorshift32) for one case. */
class Rand {
  private s: number;
  constructor(seed: number) {
    this.s = (seed ^ 0x9e3779b9) >>> 0 || 1;
    for (let i = 0; i < 4; i++) this.next();
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** 1–4 byte mutations: flip, cut, splice random bytes, overwrite with a big or special number. */
function mutateBytes(input: Uint8Array, r: Rand): Uint8Array {
  let out = Uint8Array.from(input);
  const rounds = 1 + r.int(4);
  for (let k = 0; k < rounds && out.length > 0; k++) {
    const at = r.int(out.length);
    switch (r.int(5)) {
      case 0:
        out[at] = out[at]! ^ (1 + r.int(255));
        break;
      case 1:
        out = out.subarray(0, at);
        break;
      case 2: {
        const bytes = Uint8Array.from({ length: 1 + r.int(32) }, () => r.int(256));
        out = Uint8Array.from(Buffer.concat([out.subarray(0, at), bytes, out.subarray(at)]));
        break;
      }
      case 3:
        if (at + 4 <= out.length)
          new DataView(out.buffer, out.byteOffset).setUint32(at, r.pick([0xffffffff, 0, 0x7fffffff, r.next()]), false);
        break;
      default:
        if (at + 8 <= out.length) new DataView(out.buffer, out.byteOffset).setFloat64(at, r.pick(HOSTILE_F64), true);
    }
  }
  return out;
}

const HOSTILE_F64 = [1e308, Infinity, -Infinity, NaN, -1, 0.5, 2 ** 53, 2 ** 64, -0];
const HOSTILE_U32 = [0, 1, 0xffffffff, 0x80000000, 0xfffff000, 4096];

/** The inputs every case starts from (built once per process). */
export interface FuzzSamples {
  readonly dir: string;
  readonly trace: Uint8Array;
  readonly importers: Readonly<Record<string, Uint8Array>>;
  readonly model: string;
  readonly scenario: string;
}

function fixtureLines(path: string, n: number): Uint8Array {
  const raw = readFileSync(path);
  const text = path.endsWith('.gz') ? gunzipSync(raw).toString('latin1') : raw.toString('latin1');
  return Buffer.from(text.split('\n').slice(0, n).join('\n') + '\n', 'latin1');
}

/** Loads the samples; `dir` is a scratch folder the cases write their inputs into. */
export function fuzzSamples(dir: string): FuzzSamples {
  const dinBinary = Buffer.alloc(8 * 32);
  for (let i = 0; i < 32; i++) {
    dinBinary.writeUInt32LE(0x08048000 + i * 64, i * 8);
    dinBinary.writeUInt16LE(4, i * 8 + 4);
    dinBinary[i * 8 + 6] = i % 3;
  }
  return {
    dir,
    // The first 2 chunks of a real sample are too big to mutate usefully: a hand-made trace of every kind.
    trace: traceBytes(everyKind(new Rand(1), false)),
    importers: {
      lackey: fixtureLines('tests/fixtures/validation/tlb/busybox-gzip-3k.lackey.gz', 40),
      din: Buffer.from('0 08048000\n1 0804a010\n2 08048004\nr 0804b000 4\nw 0804b004 8\ni 08048008 2\n'),
      'din-binary': dinBinary,
      strace: fixtureLines('tests/fixtures/strace/cat.log', 40),
      ftrace: fixtureLines('tests/fixtures/validation/ftrace/debian-6.1-pae-2G-smp2-dd.trace.gz', 200),
    },
    model: readFileSync('models/core2.json', 'utf8'),
    scenario: readFileSync('scenarios/2g2g-nohighmem-stream.json', 'utf8'),
  };
}

/** Records of every kind (of the first `kinds`) on 2 CPUs; with `hostile`, some fields take extreme values. */
function everyKind(r: Rand, hostile: boolean, kinds = 15): TraceRecord[] {
  const out: TraceRecord[] = [];
  const n = 8 + r.int(40);
  for (let i = 0; i < n; i++) {
    // Hostile: now and then a kind code outside the vocabulary (16), else any kind the version has.
    const kind = (hostile ? (r.int(4 * n) === 0 ? 16 : r.int(kinds)) : i % kinds) as TraceRecord['kind'];
    const rec: TraceRecord = {
      kind,
      cpu: i % 2,
      op: kind === 12 || kind === 13 ? i % 3 : kind === 15 ? 1 + (i % 4) : i % 4,
      pid: 1 + (i % 3),
      addr: 0x08048000 + i * 4096,
      len: kind === 1 ? 100 : 4096,
      arg: 1 + (i % 4),
      off: kind >= 4 && kind <= 6 ? i * 4096 : 0,
      time: 0,
    };
    if (hostile && r.int(n) === 0) {
      switch (r.int(6)) {
        case 0:
          rec.off = r.pick(HOSTILE_F64);
          break;
        case 1:
          rec.time = r.pick(HOSTILE_F64);
          break;
        case 2:
          rec.op = r.pick([200, 255, 4, 3, 7, 16]);
          break;
        case 3:
          rec.len = r.pick(HOSTILE_U32);
          break;
        case 4:
          rec.addr = r.pick(HOSTILE_U32);
          break;
        default:
          rec.pid = r.pick(HOSTILE_U32);
      }
    }
    out.push(rec);
  }
  return out;
}

/** An HMT file (header, one chunk per CPU with every column, no footer) of `records`, written without the writer's checks. */
/**
 * An HMT file of `records`, full-width columns: HMT 1.0, or with `v21` HMT 2.1 declaring observed TLB
 * flushes (kind 15 allowed; each chunk's `w` gives the full widths, which 2.x accepts).
 */
function traceBytes(records: readonly TraceRecord[], v21 = false): Uint8Array {
  const frame = (type: number, map: unknown): Uint8Array => {
    const payload = encode(map);
    const out = new Uint8Array(6 + payload.length);
    out[0] = 0xc9;
    new DataView(out.buffer).setUint32(1, payload.length, false);
    out[5] = type;
    out.set(payload, 6);
    return out;
  };
  const parts: Uint8Array[] = [
    frame(0x48, {
      magic: 'HMT',
      version: v21 ? [2, 1] : [1, 0],
      source: 'fuzz',
      pageSize: 4096,
      addressBits: 32,
      cpus: 2,
      footer: false,
      provenance: {},
      ...(v21 ? { observed: ['tlbFlushes'] } : {}),
    }),
  ];
  for (const cpu of [0, 1]) {
    const rs = records.filter((x) => x.cpu === cpu);
    if (rs.length === 0) continue;
    const u32 = (f: (x: TraceRecord) => number | undefined): Uint8Array => new Uint8Array(Uint32Array.from(rs, (x) => f(x) ?? 0).buffer);
    const cols: Array<[string, Uint8Array]> = [
      ['kind', Uint8Array.from(rs, (x) => x.kind)],
      ['op', Uint8Array.from(rs, (x) => x.op ?? 0)],
      ['pid', u32((x) => x.pid)],
      ['addr', u32((x) => x.addr)],
      ['len', u32((x) => x.len)],
      ['arg', u32((x) => x.arg)],
      ['off', new Uint8Array(Float64Array.from(rs, (x) => x.off ?? 0).buffer)],
      ['time', new Uint8Array(Float64Array.from(rs, (x) => x.time ?? 0).buffer)],
    ];
    const head = new Uint8Array(8);
    new DataView(head.buffer).setUint32(0, cpu, true);
    new DataView(head.buffer).setUint32(4, rs.length, true);
    let crc = crc32(head);
    const widths = cols.map(([, col]) => col.length / rs.length);
    cols.forEach(([name, col], i) => {
      crc = v21 ? crc32(col, crc32(Uint8Array.of(widths[i]!), crc32(name, crc))) : crc32(col, crc32(name, crc));
    });
    parts.push(frame(0x43, { cpu, n: rs.length, cols: cols.map(([c]) => c), ...(v21 ? { w: widths } : {}), crc }));
    for (const [, col] of cols) {
      const bin = new Uint8Array(5 + col.length);
      bin[0] = 0xc6;
      new DataView(bin.buffer).setUint32(1, col.length, false);
      bin.set(col, 5);
      parts.push(bin);
    }
  }
  return Buffer.concat(parts);
}

/** The targets, taken in turn by case number. */
export const FUZZ_TARGETS = [
  'hmt',
  'hmt-values',
  'hmt.gz',
  'lackey',
  'din',
  'din-binary',
  'strace',
  'ftrace',
  'model',
  'set',
  'scenario',
] as const;
export type FuzzTarget = (typeof FUZZ_TARGETS)[number];

/** What a case did. */
export interface FuzzOutcome {
  readonly target: FuzzTarget;
  readonly result: 'ok' | 'user-error' | 'crash';
  /** The crash's message and stack (crash only). */
  readonly detail?: string;
}

class CountSink implements TraceSink {
  records = 0;
  push(_r: TraceRecord): void {
    this.records++;
  }
  pushBatch(b: RecordBatch): void {
    this.records += b.length;
  }
  async close(): Promise<void> {}
}

let replayKit: Promise<{ config: ReturnType<typeof resolveConfig>; model: Awaited<ReturnType<typeof loadModel>> }> | undefined;

/** Reads the trace at `path` to the end, then replays it on the full machine (with `model`, or core2). */
async function readAndReplay(path: string, withModel?: Awaited<ReturnType<typeof loadModel>>): Promise<void> {
  const reader = await openTrace(path);
  for await (const _b of reader.batches()) {
    // read every chunk (checks every value)
  }
  replayKit ??= (async () => ({ config: resolveConfig({ config: '3g1g-highmem' }), model: await loadModel('core2') }))();
  const { config, model } = await replayKit;
  await replayMachineSource({ config, model: withModel ?? model, seed: 1 }, computeLayout(config), reader);
}

const SET_KEYS = [
  'costs.ipiReceive',
  'costs.syscall',
  'costs.invlpg',
  'costs.ipi.linear.b',
  'tlb.l1d.entries',
  'tlb.stlb.entries',
  'clockGHz',
  'lock.kind',
  'costs.copy',
  '__proto__',
  'costs.invlpg.__proto__.x',
  'tlb.large',
  'costs.syscall.lognormal.mean',
  'flushCeiling',
];
const SET_VALUES = [
  '1e308',
  '1e12',
  '5e7',
  '-1',
  'NaN',
  '1e10',
  '0',
  '"x"',
  '{"constant":1e308}',
  '{"lognormal":{"mean":1e300,"sd":1}}',
  '+1e6%',
  '-100%',
  '[]',
  '{}',
  'null',
  '1e9',
  '{"__proto__":{"a":1}}',
  '99999999999999999999',
];

/** Runs case `n` of `seed`. */
export async function runFuzzCase(samples: FuzzSamples, seed: number, n: number): Promise<FuzzOutcome> {
  const target = FUZZ_TARGETS[n % FUZZ_TARGETS.length]!;
  const r = new Rand(seed * 1_000_003 + n);
  try {
    switch (target) {
      case 'hmt':
      case 'hmt.gz': {
        const bytes = mutateBytes(samples.trace, r);
        const path = join(samples.dir, `case.${target}`);
        writeFileSync(path, target === 'hmt.gz' ? gzipSync(bytes) : bytes);
        await readAndReplay(path);
        break;
      }
      case 'hmt-values': {
        const path = join(samples.dir, 'values.hmt');
        // Every other case an HMT 2.1 file, whose tlbflush records (kind 15) the replay makes.
        const v21 = r.int(2) === 0;
        writeFileSync(path, traceBytes(everyKind(r, true, v21 ? 16 : 15), v21));
        await readAndReplay(path);
        break;
      }
      case 'model': {
        const path = join(samples.dir, 'model.json');
        writeFileSync(path, mutateBytes(Buffer.from(samples.model), r));
        await resolveModel(path);
        break;
      }
      case 'set': {
        const sets = Array.from({ length: 1 + r.int(3) }, () => `${r.pick(SET_KEYS)}=${r.pick(SET_VALUES)}`);
        // A model the validator lets through is replayed: no value it accepts may hang or crash the machine.
        const model = await loadModel('core2', sets);
        const path = join(samples.dir, 'set.hmt');
        writeFileSync(path, samples.trace);
        await readAndReplay(path, model);
        break;
      }
      case 'scenario': {
        const path = join(samples.dir, 'scenario.json');
        writeFileSync(path, mutateBytes(Buffer.from(samples.scenario), r));
        validateOnce ??= compileScenarioSchema();
        await loadScenario(path, validateOnce, 'scenario.json', { root: samples.dir });
        break;
      }
      default: {
        const importer = IMPORTERS.get(target)!;
        const bytes = mutateBytes(samples.importers[target]!, r);
        const rules = defaultRelocationFor(importer.name);
        const mapAddress = rules === undefined ? {} : { mapAddress: new Relocator(parseRelocation(rules)).addressMapper() };
        await importer.run(Readable.from([Buffer.from(bytes)]), new CountSink(), {
          file: 'fuzz-input',
          skipBad: r.int(2) === 0,
          cpus: 2,
          cpu: 0,
          ...mapAddress,
        });
      }
    }
    return { target, result: 'ok' };
  } catch (err) {
    if (err instanceof UserError && !err.message.includes('\n')) return { target, result: 'user-error' };
    // A model with several problems lists them one per line on purpose (docs/robustness.md).
    if (err instanceof UserError && (target === 'model' || target === 'set') && /^model .*: \d+ problems?\n/.test(err.message)) {
      return { target, result: 'user-error' };
    }
    return { target, result: 'crash', detail: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) };
  }
}

let validateOnce: ReturnType<typeof compileScenarioSchema> | undefined;
