/**
 * BatchOptions.recycle (src/trace/hmt/reader.ts): a pass that reuses its column arrays gives every batch
 * the same values as a pass that allocates them, reading one batch ahead as the replays do, and really
 * reuses them (batch k + 2 is written into batch k's arrays).
 */
import { describe, expect, it } from 'vitest';
import { openTrace } from '../../src/trace/hmt/reader.ts';
import { COLUMNS, type RecordBatch } from '../../src/trace/records.ts';
import { eachBatchReadingAhead } from '../../src/machine/tlb-replay.ts';

const TRACE = 'traces/fileserver-4cpu.hmt';

/** Every column of a batch as plain numbers (a copy: the batch's arrays may be reused later). */
function snapshot(b: RecordBatch): Record<string, number[]> {
  const out: Record<string, number[]> = { cpu: [b.cpu], length: [b.length] };
  for (const [c] of COLUMNS) out[c] = Array.from(b[c].subarray(0, b.length));
  return out;
}

describe('recycled column arrays', () => {
  it('give the same batches as fresh arrays, read one ahead, and reuse the arrays of the batch two before', async () => {
    const reader = await openTrace(TRACE);
    const fresh: Record<string, number[]>[] = [];
    for await (const b of reader.batches()) fresh.push(snapshot(b));
    expect(fresh.length).toBeGreaterThanOrEqual(3);

    const recycled: Record<string, number[]>[] = [];
    const buffers: ArrayBufferLike[] = [];
    await eachBatchReadingAhead(reader, undefined, (b) => {
      recycled.push(snapshot(b));
      buffers.push(b.addr.buffer);
    });
    expect(recycled).toEqual(fresh);
    // Two sets taken in turn; the first two batches may grow a set (the first chunk of a CPU is no larger
    // than the later ones here), then batch k uses batch k − 2's buffer.
    for (let k = 2; k < buffers.length; k++) expect(buffers[k] === buffers[k - 2], `batch ${k}`).toBe(true);
    expect(buffers[0] === buffers[1]).toBe(false);
  });
});
