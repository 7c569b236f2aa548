/**
 * Fills a printk format string the way the kernel would, for the handful of conversions the layout
 * messages use: %ld / %lu / %d / %u (decimal), %#lx (0x-prefixed hex), %lx / %08lx (hex).
 *
 * @example printk('%ldMB LOWMEM available.', [879]) === '879MB LOWMEM available.'
 */
export function printk(format: string, args: readonly number[]): string {
  let i = 0;
  return format.replace(/%(#?)(0\d+)?l?([dux])/g, (_m, alt: string, width: string | undefined, conv: string) => {
    const v = args[i++];
    if (v === undefined) throw new Error(`printk: too few arguments for '${format}'`);
    if (conv === 'x') {
      const digits = v.toString(16).padStart(width ? Number(width.slice(1)) : 0, '0');
      return alt === '#' ? `0x${digits}` : digits;
    }
    return String(v);
  });
}
