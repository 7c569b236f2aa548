/**
 * Addresses, frames and units. Every raw shift and mask on addresses lives here.
 *
 * Branded number types keep a virtual address from being passed where a page-frame number is expected.
 * All values are plain JS numbers (exact up to 2^53), so 36-bit PAE physical addresses are safe.
 */
export type VirtAddr = number & { readonly __brand: 'VirtAddr' };
export type PhysAddr = number & { readonly __brand: 'PhysAddr' };
/** Physical page-frame number (physical address >> 12). */
export type Pfn = number & { readonly __brand: 'Pfn' };
/** Virtual page number (virtual address >> 12). */
export type Vpn = number & { readonly __brand: 'Vpn' };
export type Cycles = number;
export type Bytes = number;

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT; // 4096
export const KiB = 1024;
export const MiB = 1024 * 1024;
export const GiB = 1024 * 1024 * 1024;
/** 2^32: the size of the 32-bit virtual address space. */
export const FOUR_GIB = 4 * GiB;

/** Page number of a virtual address (works for 32-bit values without sign trouble). */
export function vpnOf(addr: number): Vpn {
  return Math.floor(addr / PAGE_SIZE) as Vpn;
}
/** Frame number of a physical address. */
export function pfnOf(addr: number): Pfn {
  return Math.floor(addr / PAGE_SIZE) as Pfn;
}
/** First byte of a frame. */
export function pfnToPhys(pfn: number): PhysAddr {
  return (pfn * PAGE_SIZE) as PhysAddr;
}
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
