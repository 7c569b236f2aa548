/**
 * Page size, binary units and address arithmetic: the one place for the page constants and the raw
 * shifts and masks on addresses.
 *
 * Addresses, frame and page numbers are plain JS numbers (exact up to 2^53, so 36-bit PAE physical
 * addresses are safe); the hot paths keep them in typed arrays, where a branded type could not follow.
 */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT; // 4096
export const KiB = 1024;
export const MiB = 1024 * 1024;
export const GiB = 1024 * 1024 * 1024;
/** 2^32: the size of the 32-bit virtual address space. */
export const FOUR_GIB = 4 * GiB;

/** Rounds down to a multiple of `align` (a power of two); exact for values up to 2^53. */
export function alignDown(value: number, align: number): number {
  return value - (value % align);
}
/** Rounds up to a multiple of `align`. */
export function alignUp(value: number, align: number): number {
  const r = value % align;
  return r === 0 ? value : value + (align - r);
}
/** `0xc0000000` style formatting, zero-padded to 8 hex digits (as the kernel's %08lx). */
export function hex32(value: number): string {
  return '0x' + value.toString(16).padStart(8, '0');
}
/** The kernel's pages_to_mb(): pages >> 8 (integer MiB, truncated). */
export function pagesToMb(pages: number): number {
  return Math.floor(pages / 256);
}
