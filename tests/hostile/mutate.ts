/** Byte mutations of a valid input for hostile-input property tests. */
import fc from 'fast-check';

/** One mutation: flip bytes, cut the input, splice random bytes in, or overwrite 4 bytes with a big number. */
export type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly xor: number; readonly count: number }
  | { readonly kind: 'cut'; readonly at: number }
  | { readonly kind: 'splice'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'u32'; readonly at: number; readonly value: number };

/** The fast-check arbitrary of mutations (positions are taken modulo the input length). */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    xor: fc.integer({ min: 1, max: 255 }),
    count: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 32 }) }),
  fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: fc.oneof(fc.constant(0xffffffff), fc.constant(0), fc.nat()) }),
);

/** `input` with mutation `m` applied (a copy; the input is not changed). */
export function mutate(input: Uint8Array, m: Mutation): Uint8Array {
  if (input.length === 0) return input;
  const at = m.at % input.length;
  const out = Uint8Array.from(input);
  switch (m.kind) {
    case 'flip':
      for (let i = 0; i < m.count; i++) out[(at + i * 37) % out.length]! ^= m.xor;
      return out;
    case 'cut':
      return out.subarray(0, at);
    case 'splice':
      return Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
    case 'u32':
      if (at + 4 <= out.length) new DataView(out.buffer).setUint32(at, m.value, false);
      return out;
  }
}
