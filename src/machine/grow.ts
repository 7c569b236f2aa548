/**
 * Growing the typed arrays the machine indexes by frame, file or slab number: a bigger copy (the new
 * elements zero) and the capacity, doubled until the index fits. Growth is rare (amortised O(1)), so the
 * copy's constructor is read from the array itself.
 */

/** The typed arrays the machine grows. */
type Growable = Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Uint8Array<ArrayBuffer> | Uint16Array<ArrayBuffer>;

/** A copy of `a` with `n` elements (n ≥ a.length); the elements beyond `a` are 0. */
export function grown<T extends Growable>(a: T, n: number): T {
  const copy = new (a.constructor as new (length: number) => T)(n);
  (copy as { set(from: ArrayLike<number>): void }).set(a);
  return copy;
}

/** The capacity that holds `index`: `max(floor, length)` doubled until it is above `index`. */
export function capacityFor(length: number, index: number, floor = 1): number {
  let n = Math.max(floor, length, 1);
  while (n <= index) n *= 2;
  return n;
}
