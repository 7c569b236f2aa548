/**
 * lineBlocks (src/trace/importers/line-reader.ts), the byte-level line splitter every text importer reads
 * through: however the input is cut into chunks (a line across two, three or many chunks, chunks without a
 * newline, an input without a final newline), the blocks hold exactly the input's bytes, each block ends
 * at a newline except the input's unterminated tail, and no line is split between two blocks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES, lineBlocks } from '../../src/trace/importers/line-reader.ts';

async function blocksOf(chunks: Uint8Array[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const b of lineBlocks(
    (async function* () {
      yield* chunks;
    })(),
    () => {
      throw new Error('too long');
    },
  ))
    out.push(b.slice());
  return out;
}

const text = fc.array(fc.stringMatching(/^[ -~]{0,40}$/), { maxLength: 60 }).map((lines) => lines.join('\n'));

describe('lineBlocks', () => {
  it('returns the input as whole lines, however it is cut into chunks', async () => {
    await fc.assert(
      fc.asyncProperty(text, fc.boolean(), fc.array(fc.nat(), { maxLength: 20 }), async (body, endNl, cuts) => {
        const input = Buffer.from(body + (endNl ? '\n' : ''), 'latin1');
        const at = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...at, input.length].slice(1).map((end, i, ends) => input.subarray(i === 0 ? 0 : ends[i - 1], end));
        const blocks = await blocksOf(chunks);
        expect(Buffer.concat(blocks).toString('latin1')).toBe(input.toString('latin1'));
        blocks.forEach((b, i) => {
          expect(b.length).toBeGreaterThan(0);
          expect(b).toBeInstanceOf(Uint8Array);
          if (i < blocks.length - 1 || endNl) expect(b[b.length - 1]).toBe(0x0a);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('joins a line cut across three chunks into one block of its own and keeps the rest as it came', async () => {
    const blocks = await blocksOf([Buffer.from('a\nbc'), Buffer.from('de'), Buffer.from('f\ng\nh')]);
    expect(blocks.map((b) => Buffer.from(b).toString('latin1'))).toEqual(['a\n', 'bcdef\n', 'g\n', 'h']);
  });

  it('calls onTooLong for a line longer than MAX_LINE_BYTES spread over chunks', async () => {
    const big = Buffer.alloc(MAX_LINE_BYTES / 2, 0x41);
    await expect(blocksOf([big, big, big, Buffer.from('\n')])).rejects.toThrow('too long');
  });
});
