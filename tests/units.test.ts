import { describe, expect, it } from 'vitest';
import { parseSize, parseAddress, parseCount } from '../src/units/size.ts';
import { alignDown, alignUp, hex32, pagesToMb } from '../src/units/address.ts';
import { UserError } from '../src/errors.ts';

describe('human sizes at the edge', () => {
  it('accepts bytes, hex and binary suffixes', () => {
    expect(parseSize('--ram', '4096')).toBe(4096);
    expect(parseSize('--ram', '0xbffe0000')).toBe(0xbffe0000);
    expect(parseSize('--ram', '3G')).toBe(3 * 2 ** 30);
    expect(parseSize('--ram', '512M')).toBe(512 * 2 ** 20);
    expect(parseSize('--vmalloc', '4KiB')).toBe(4096);
    expect(parseSize('--ram', '64g')).toBe(64 * 2 ** 30);
  });
  it('names the option and the value when malformed', () => {
    expect(() => parseSize('--ram', '3Q')).toThrow(UserError);
    expect(() => parseSize('--ram', '3Q')).toThrow("--ram: '3Q' is not a size");
    expect(() => parseSize('--ram', '-1G')).toThrow(UserError);
  });
  it('parses addresses and counts', () => {
    expect(parseAddress('--relocate', '0xc0000000')).toBe(0xc0000000);
    expect(() => parseAddress('x', 'zz')).toThrow("x: 'zz' is not an address");
    expect(parseCount('--nr-cpus', '8', 1, 64)).toBe(8);
    expect(() => parseCount('--nr-cpus', '0', 1, 64)).toThrow('--nr-cpus');
  });
});

describe('address arithmetic', () => {
  it('aligns, formats and converts like the kernel', () => {
    expect(alignDown(0xffbfe000 - 4096, 0x200000)).toBe(0xffa00000);
    expect(alignUp(0x1001, 0x1000)).toBe(0x2000);
    expect(hex32(0xc0000000)).toBe('0xc0000000');
    expect(hex32(0x1000)).toBe('0x00001000');
    expect(pagesToMb(0x36ffe)).toBe(879);
  });
});
