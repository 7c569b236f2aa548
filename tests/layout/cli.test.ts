/**
 * `hmsim layout` as a user runs it: exit codes, one-line errors naming the option, the --json shape,
 * --compare, and the kernel's own warning text for RAM a configuration cannot use.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { runMain } from './in-process.ts';

describe('hmsim layout', () => {
  it('--json prints one object with the documented fields (the real 3 GiB PAE boot)', () => {
    const r = runCli(['layout', '--kernel', 'debian-6.1-686-pae', '--ram', '3G', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const k of [
      'pageOffset',
      'taskSize',
      'maxPfn',
      'maxLowPfn',
      'lowmemMB',
      'highmemMB',
      'vmallocStart',
      'vmallocEnd',
      'pkmapBase',
      'lastPkmap',
      'fixaddrStart',
      'memMapBytes',
    ]) {
      expect(typeof j[k], k).toBe('number');
    }
    expect(j).toMatchObject({
      pageOffset: 0xc0000000,
      maxPfn: 0xbffe0,
      maxLowPfn: 0x36ffe,
      lowmemMB: 879,
      highmemMB: 2191,
      pkmapBase: 0xff000000,
      lastPkmap: 512,
      warnings: [],
    });
    expect(j['zones']).toEqual([
      { name: 'DMA', startPfn: 0, endPfn: 4096 },
      { name: 'Normal', startPfn: 4096, endPfn: 0x36ffe },
      { name: 'HighMem', startPfn: 0x36ffe, endPfn: 0xbffe0 },
    ]);
  });

  it('prints the virtual kernel memory layout table', async () => {
    const r = await runMain(['layout', '--kernel', 'linux-4.19', '--ram', '4G']);
    expect(r.stdout).toContain('    cpu_entry : 0xffa00000 - 0xffb39000   (1252 kB)');
    expect(r.stdout).toContain('    pkmap     : 0xff600000 - 0xff800000   (2048 kB)');
    expect(r.stdout).toContain('    vmalloc   : 0xf7dfe000 - 0xff5fe000   ( 120 MB)');
    expect(r.stdout).toContain('    lowmem    : 0xc0000000 - 0xf75fe000   ( 885 MB)');
  });

  it('x86_64 prints its direct map with the RAM in it, and no 32-bit lowmem, max_low_pfn or pkmap figure', async () => {
    // 4 GiB: 3 GiB under the PCI hole, 1 GiB from 4 GiB up, so max_pfn is 5 GiB (0x140000 pages); the RAM
    // is 4 GiB less the firmware's 0.5 MB (pcE820), every byte of it direct-mapped.
    const r = await runMain(['layout', '--config', 'x86_64', '--ram', '4G']);
    expect(r.stdout).toContain(
      '    directmap : 0xffff888000000000 - 0xffff888140000000   (5120 MB) up to max_pfn: 4095.5 MB of RAM, all of it (no highmem)\n',
    );
    expect(r.stdout).toContain('max_pfn 0x140000   (64-bit: no highmem, no pkmap; every RAM page is direct-mapped)\n');
    expect(r.stdout).not.toMatch(/lowmem|max_low_pfn|LAST_PKMAP/);
    const c = await runMain(['layout', '--compare', '--configs', '3g1g-highmem,x86_64', '--ram', '4G']);
    expect(c.stdout).toMatch(/\nx86_64 +x86_64 +off +0xffff888000000000 +4095\* +0 /);
    expect(c.stdout).toContain(
      '* x86_64 has no lowmem/highmem split: every byte of RAM is in the direct map (the figure is all its RAM)\n',
    );
  });

  it('--compare shows the six splits side by side', async () => {
    const r = await runMain(['layout', '--compare', '--ram', '4G', '--kernel', 'linux-2.6.18', '--json']);
    const j = JSON.parse(r.stdout) as { configs: { split: string; lowmemMB: number; userMB: number }[] };
    expect(j.configs.map((c) => [c.split, c.lowmemMB, c.userMB])).toEqual([
      ['3G/1G', 896, 3072],
      ['3G_OPT', 1152, 2816],
      ['2G/2G', 1920, 2048],
      ['2G_OPT', 2048, 1920],
      ['1G/3G', 2944, 1024],
      ['4G/4G', 3936, 4080],
    ]);
  });

  it("--compare --pae builds every split with PAE, leaves out the _OPT splits with the kernel's reason, and names the rows", async () => {
    const j = JSON.parse((await runMain(['layout', '--compare', '--ram', '4G', '--kernel', 'linux-2.6.18', '--pae', '--json'])).stdout) as {
      configs: { name: string; split: string; memory: string; lowmemMB: number }[];
      skipped: { config: string; reason: string }[];
    };
    expect(j.configs.map((c) => [c.name, c.split, c.memory])).toEqual([
      ['3g1g-highmem+pae', '3G/1G', '64G PAE'],
      ['2g2g+pae', '2G/2G', '64G PAE'],
      ['1g3g+pae', '1G/3G', '64G PAE'],
      ['4g4g', '4G/4G', '64G PAE'],
    ]);
    expect(j.skipped.map((k) => k.config)).toEqual(['3g1g-opt', '2g2g-opt']);
    expect(j.skipped[0]!.reason).toMatch(/^--split 3G_OPT: VMSPLIT_3G_OPT is impossible with PAE/);
    const text = await runMain(['layout', '--compare', '--ram', '4G', '--kernel', 'linux-2.6.18', '--pae']);
    expect(text.stdout).toMatch(/^not shown: 2g2g-opt: --split 2G_OPT: VMSPLIT_2G_OPT is impossible with PAE/m);
  });

  it('--compare: highmem MB is the RAM in HighMem, as capacity counts it, not the kernel line that spans the PCI hole', async () => {
    // 4 GiB with PAE: 3 GiB under the PCI hole, 1 GiB from 4 GiB up, so max_pfn is 0x140000 (5 GiB) and the
    // kernel's "HIGHMEM available" line is (0x140000 − max_low_pfn 0x36ffe) / 256 = 4240 MB, 1 GiB of it hole.
    const j = JSON.parse(
      (await runMain(['layout', '--compare', '--configs', '3g1g-highmem,3g1g-pae', '--ram', '4G', '--json'])).stdout,
    ) as {
      configs: { name: string; lowmemMB: number; highmemMB: number; highmemRamMB: number }[];
    };
    const pae = j.configs.find((c) => c.name === '3g1g-pae')!;
    expect(pae.highmemMB).toBe(Math.floor((0x140000 - 0x36ffe) / 256));
    for (const c of j.configs) {
      const cap = JSON.parse((await runMain(['capacity', '--config', c.name, '--ram', '4G', '--json'])).stdout) as { highmemBytes: number };
      expect([c.name, c.highmemRamMB]).toEqual([c.name, Math.floor(cap.highmemBytes / 2 ** 20)]);
      expect(c.lowmemMB + c.highmemRamMB).toBeLessThanOrEqual(4096);
    }
    expect(pae.highmemRamMB).toBe(3215);
    const text = (await runMain(['layout', '--compare', '--configs', '3g1g-highmem,3g1g-pae', '--ram', '4G'])).stdout.split('\n');
    expect(
      text
        .find((l) => l.startsWith('3g1g-pae '))!
        .split(/ +/)
        .slice(5, 7),
    ).toEqual(['879', '3215']);
    expect(text).toContain(
      'highmem MB: RAM in the HighMem zone; the kernel\'s "HIGHMEM available" ' +
        'boot line also counts the PCI hole (hmsim layout --config NAME shows it)',
    );
  });

  it('--compare --configs shows the configurations named, with their HIGHMEM mode; --configs alone is refused', async () => {
    const r = await runMain(['layout', '--compare', '--configs', '3g1g-highmem,3g1g-pae,2g2g', '--ram', '4G', '--json']);
    const j = JSON.parse(r.stdout) as { configs: { name: string; memory: string }[] };
    expect(j.configs.map((c) => [c.name, c.memory])).toEqual([
      ['3g1g-highmem', '4G'],
      ['3g1g-pae', '64G PAE'],
      ['2g2g', '4G'],
    ]);
    const bad = await runCli(['layout', '--configs', '2g2g']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('hmsim: --configs: only with --compare (for one configuration use --config NAME)\n');
  });

  it('RAM above 4 GiB without PAE: a 6.1 kernel clamps at e820, a 2.6.18 kernel prints its warning', async () => {
    const modern = JSON.parse((await runMain(['layout', '--config', '3g1g-highmem', '--ram', '6G', '--json'])).stdout) as {
      warnings: string[];
      notes: string[];
      maxPfn: number;
      ignoredRamBytes: number;
    };
    // A 6 GB PC: 3 GB under the PCI hole, 3 GB from 4 GB up, all of which a non-PAE kernel loses.
    expect(modern.warnings).toEqual(['e820: last_pfn = 0xbffe0 max_arch_pfn = 0x100000']);
    expect(modern.maxPfn).toBe(0xbffe0);
    expect(modern.ignoredRamBytes).toBe(3 * 2 ** 30);
    expect(modern.notes).toEqual([
      '3072 MB of RAM is unusable: it sits above 4 GB (the PCI hole pushes it there) and without ' +
        'PAE only the first 4 GB of physical addresses can be used; HIGHMEM64G (PAE) would use it',
    ]);
    const old = await runMain(['layout', '--kernel', 'linux-2.6.18', '--config', '3g1g-highmem', '--ram', '6G']);
    expect(old.stdout).toContain('  Warning only 4GB will be used.\n  Use a PAE enabled kernel.\n');
  });

  it("NOHIGHMEM ignores RAM above lowmem with the kernel's warning", async () => {
    const j = JSON.parse(
      (await runMain(['layout', '--config', '3g1g-nohighmem', '--kernel', 'linux-4.19', '--ram', '2G', '--json'])).stdout,
    ) as { warnings: string[]; maxPfn: number; lowmemMB: number };
    // No pkmap without HIGHMEM: VMALLOC_END = LDT_BASE_ADDR 0xff400000 - 8K;
    // MAXMEM = 0xff3fe000 - 0xc0000000 - 128M = 0x373fe000 → 883 MB
    expect(j.warnings).toEqual(['Warning only 883MB will be used.', 'Use a HIGHMEM enabled kernel.']);
    expect(j.maxPfn).toBe(0x373fe);
    expect(j.lowmemMB).toBe(883);
  });

  it.each([
    [
      ['layout', '--kernel', 'nope'],
      "hmsim: --kernel: unknown kernel profile 'nope' (known: debian-6.1-686, debian-6.1-686-pae, linux-2.6.18, linux-4.19)\n",
    ],
    [
      ['layout', '--ram', '3X'],
      "hmsim: --ram: '3X' is not a size (expected bytes, hex like 0xbffe0000, or a number with K/M/G/T suffix like 512M)\n",
    ],
    [
      ['layout', '--split', '3G_OPT', '--pae'],
      'hmsim: --split 3G_OPT: VMSPLIT_3G_OPT is impossible with PAE (Kconfig: depends on ' +
        '!X86_PAE; PAE needs PAGE_OFFSET on a 1 GiB boundary, 3G_OPT puts it at 0xb0000000)\n',
    ],
  ])('%j exits 2 with one line on stderr', (args, stderr) => {
    const r = runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(stderr);
    expect(r.stdout).toBe('');
  });
});
