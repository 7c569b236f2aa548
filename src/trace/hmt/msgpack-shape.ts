/**
 * The shape of a MessagePack value before it is decoded: how many containers (maps and arrays) it holds
 * and how deep they nest, found by walking the bytes without allocating. The reader checks both against
 * LIMITS so that a small frame cannot make the decoder build millions of objects (64 M empty maps fit in
 * a 64 MiB footer) or nest deeper than a consumer can walk.
 */

/** Containers and depth of the value that fills `bytes`; undefined when the bytes are not well formed (the decoder then says why). */
export function msgpackShape(bytes: Uint8Array): { containers: number; depth: number } | undefined {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Values still to read at each open container level.
  const pending: number[] = [1];
  let containers = 0;
  let depth = 0;
  let p = 0;
  const n = bytes.length;
  while (pending.length > 0) {
    if (pending[pending.length - 1] === 0) {
      pending.pop();
      continue;
    }
    pending[pending.length - 1]!--;
    if (p >= n) return undefined;
    const b = bytes[p++]!;
    let children = -1; // values inside a container that starts here
    let skip = 0;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) skip = 0;
    else if (b >= 0x80 && b <= 0x8f) children = (b & 0x0f) * 2;
    else if (b >= 0x90 && b <= 0x9f) children = b & 0x0f;
    else if (b >= 0xa0 && b <= 0xbf) skip = b & 0x1f;
    else {
      const need = (k: number): boolean => p + k <= n;
      switch (b) {
        case 0xc4:
        case 0xd9:
          if (!need(1)) return undefined;
          skip = 1 + bytes[p]!;
          break;
        case 0xc5:
        case 0xda:
          if (!need(2)) return undefined;
          skip = 2 + dv.getUint16(p);
          break;
        case 0xc6:
        case 0xdb:
          if (!need(4)) return undefined;
          skip = 4 + dv.getUint32(p);
          break;
        case 0xc7:
          if (!need(1)) return undefined;
          skip = 2 + bytes[p]!;
          break;
        case 0xc8:
          if (!need(2)) return undefined;
          skip = 3 + dv.getUint16(p);
          break;
        case 0xc9:
          if (!need(4)) return undefined;
          skip = 5 + dv.getUint32(p);
          break;
        case 0xca:
          skip = 4;
          break;
        case 0xcb:
          skip = 8;
          break;
        case 0xcc:
        case 0xd0:
          skip = 1;
          break;
        case 0xcd:
        case 0xd1:
          skip = 2;
          break;
        case 0xce:
        case 0xd2:
          skip = 4;
          break;
        case 0xcf:
        case 0xd3:
          skip = 8;
          break;
        case 0xd4:
          skip = 2;
          break;
        case 0xd5:
          skip = 3;
          break;
        case 0xd6:
          skip = 5;
          break;
        case 0xd7:
          skip = 9;
          break;
        case 0xd8:
          skip = 17;
          break;
        case 0xdc:
          if (!need(2)) return undefined;
          children = dv.getUint16(p);
          skip = 2;
          break;
        case 0xdd:
          if (!need(4)) return undefined;
          children = dv.getUint32(p);
          skip = 4;
          break;
        case 0xde:
          if (!need(2)) return undefined;
          children = dv.getUint16(p) * 2;
          skip = 2;
          break;
        case 0xdf:
          if (!need(4)) return undefined;
          children = dv.getUint32(p) * 2;
          skip = 4;
          break;
        default:
          return undefined; // 0xc1: never used
      }
    }
    p += skip;
    if (p > n) return undefined;
    if (children >= 0) {
      containers++;
      // Every child takes at least one byte: more children than bytes left is malformed.
      if (children > n - p) return undefined;
      pending.push(children);
      if (pending.length - 1 > depth) depth = pending.length - 1;
    }
  }
  return p === n ? { containers, depth } : undefined;
}
