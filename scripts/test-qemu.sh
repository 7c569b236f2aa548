#!/usr/bin/env bash
# Opt-in end-to-end test of the capture kit (npm run test:qemu): boots a Debian i386 686-pae kernel
# under QEMU with a busybox initramfs, runs tools/capture/capture.sh around a dd, imports the capture
# and replays it under the captured configuration. Skips (exit 0, one line saying what is missing)
# when qemu-system-i386, the kernel package or busybox-static:i386 is not installed.
# Inputs: HMSIM_QEMU_KERNEL (a vmlinuz; default: the newest /boot/vmlinuz-*-686-pae or one unpacked
# from a linux-image-*-686-pae[-unsigned]_*_i386.deb in HMSIM_QEMU_DEBS), HMSIM_QEMU_BUSYBOX (an i386
# busybox), HMSIM_QEMU_KEEP (a folder to keep the capture and the results in), HMSIM_QEMU_MEM (-m, default
# 2G), HMSIM_QEMU_SMP (-smp, default 2), HMSIM_QEMU_APPEND (more kernel parameters, e.g. pti=on) and
# HMSIM_QEMU_WORKLOAD (the shell command captured; default a dd of 4 MiB into tmpfs), HMSIM_QEMU_SYSTEM
# (default qemu-system-i386; qemu-system-x86_64 for RAM above 4 GiB, which the i386 CPU cannot address),
# HMSIM_QEMU_CPU (-cpu, default max) and HMSIM_QEMU_TIMEOUT (seconds, default 900).
set -euo pipefail
cd "$(dirname "$0")/.."
skip() { echo "test:qemu skipped: $*"; exit 0; }
command -v qemu-system-i386 >/dev/null || skip "qemu-system-i386 not found (apt-get install qemu-system-x86)"
command -v cpio >/dev/null || skip "cpio not found (apt-get install cpio)"
work=$(mktemp -d)
# HMSIM_QEMU_KEEP=DIR keeps the console log, the capture, its import and the replay's result in DIR.
keep() { if [ -n "${HMSIM_QEMU_KEEP:-}" ]; then mkdir -p "$HMSIM_QEMU_KEEP"; cp "$work"/*.txt "$work"/*.trace "$work"/*.json "$work"/*.hmt "$HMSIM_QEMU_KEEP"/ 2>/dev/null || true; fi; }
trap 'keep; rm -rf "$work"' EXIT
debs=${HMSIM_QEMU_DEBS:-.}
kernel=${HMSIM_QEMU_KERNEL:-}
if [ -z "$kernel" ]; then
  deb=$(ls "$debs"/linux-image-*-686-pae_*_i386.deb "$debs"/linux-image-*-686-pae-unsigned_*_i386.deb \
    "$debs"/linux-image-*-686_*_i386.deb "$debs"/linux-image-*-686-unsigned_*_i386.deb 2>/dev/null | tail -1 || true)
  [ -n "$deb" ] || skip "no Debian i386 kernel package (dpkg --add-architecture i386; apt-get download 'linux-image-6.1.0-*-686-pae:i386' into ${debs})"
  dpkg-deb -x "$deb" "$work/k"
  kernel=$(ls "$work"/k/boot/vmlinuz-* | head -1)
fi
busybox=${HMSIM_QEMU_BUSYBOX:-}
if [ -z "$busybox" ]; then
  bdeb=$(ls "$debs"/busybox-static_*_i386.deb 2>/dev/null | tail -1 || true)
  [ -n "$bdeb" ] || skip "no busybox-static:i386 package (apt-get download busybox-static:i386 into ${debs})"
  dpkg-deb -x "$bdeb" "$work/bb"
  busybox="$work/bb/bin/busybox"
fi
release=$(basename "$kernel" | sed 's/^vmlinuz-//')
root="$work/root"
mkdir -p "$root"/{bin,proc,sys,tmp,dev}
cp "$busybox" "$root/bin/busybox"
for c in sh mount cat dd true awk grep wc tr uname poweroff; do ln -sf busybox "$root/bin/$c"; done
cp tools/capture/capture.sh "$root/capture.sh"
echo "${HMSIM_QEMU_WORKLOAD:-dd if=/dev/zero of=/tmp/a bs=64k count=64}" > "$root/workload"
cat > "$root/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t tmpfs tmpfs /tmp; mount -t devtmpfs dev /dev
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
sh /capture.sh /tmp/dd.trace sh -c "$(cat /workload)"
echo HMSIM-CAPTURE-BEGIN
cat /tmp/dd.trace
echo HMSIM-CAPTURE-END
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip) > "$work/initrd.gz"
mem=${HMSIM_QEMU_MEM:-2G}
smp=${HMSIM_QEMU_SMP:-2}
echo "test:qemu: booting $release under QEMU (-m $mem -smp $smp)"
timeout "${HMSIM_QEMU_TIMEOUT:-900}" "${HMSIM_QEMU_SYSTEM:-qemu-system-i386}" -cpu "${HMSIM_QEMU_CPU:-max}" -m "$mem" -smp "$smp" -nographic -no-reboot -kernel "$kernel" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 quiet ${HMSIM_QEMU_APPEND:-}" > "$work/console.txt" 2>&1 || true
sed -n '/^HMSIM-CAPTURE-BEGIN/,/^HMSIM-CAPTURE-END/p' "$work/console.txt" | tr -d '\r' | sed '1d;$d' > "$work/dd.trace"
[ -s "$work/dd.trace" ] || { echo "test:qemu FAILED: no capture on the console"; tail -20 "$work/console.txt"; exit 1; }
node bin/hmsim.js import ftrace "$work/dd.trace" -o "$work/dd.hmt" --json > "$work/import.json"
node -e '
const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
if (s.badLines !== 0) { console.log("test:qemu FAILED: " + s.badLines + " bad lines"); process.exit(1); }
if (!s.capture) { console.log("test:qemu FAILED: the capture names no box"); process.exit(1); }
console.log("test:qemu: imported " + s.records + " records; captured on " + JSON.stringify(s.capture) + "; kmaps " + s.details.kmapLocalHigh);
' "$work/import.json"
cfg=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).capture.config)' "$work/import.json")
krn=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).capture.kernel)' "$work/import.json")
ram=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).capture.ram)' "$work/import.json")
node bin/hmsim.js run --trace "$work/dd.hmt" --config "$cfg" --kernel "$krn" --ram "$ram" --cpus "$smp" --json --quiet > "$work/run.json"
node -e '
const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const r = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
const k = r.counts.kmap.atomic + r.counts.kmap.local + r.counts.kmap.pkmap;
const want = s.details.kmapLocalHigh;
console.log("test:qemu: replay " + k + " kmaps, capture " + want + " highmem kmap_local calls");
// TLB flushes: every tlb_flush event is a record the replay makes; the task switches among them (reason 0)
// are the CR3 writes of switches.
const byReason = s.details.tlbFlushByReason;
const flushEvents = Object.values(byReason).reduce((a, n) => a + n, 0);
const f = r.counts.tlbFlushes ?? {};
console.log("test:qemu: replay " + r.counts.records.tlbflush + " TLB flush records (" + f.switches + " task switches, " + f.full +
  " full, " + f.pages + " pages, " + f.sent + " IPI rounds sent), capture " + flushEvents + " tlb_flush events (" +
  (byReason["0"] ?? 0) + " task switches); " + s.details.tlbRanges + " flush_tlb_mm_range ranges, " +
  s.details.tlbFlushAddressed + " flushes with their pages");
const same = (r.counts.records.tlbflush ?? 0) === flushEvents && f.switches === (byReason["0"] ?? 0);
process.exit(k === want && r.counts.pageFaults === s.details.pageFaults && same ? 0 : 1);
' "$work/import.json" "$work/run.json"
echo "test:qemu passed"
