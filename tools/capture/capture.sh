#!/bin/sh
# hmsim capture kit: record what `hmsim import ftrace` reads, on a real 32-bit x86 Linux box or VM.
#
#   sudo sh capture.sh OUT.trace COMMAND [ARGS...]
#
# Enables exactly the ftrace events and kprobes the ftrace importer consumes (the lists below are checked
# against the importer by tests/trace/capture-kit.test.ts), runs COMMAND, and writes OUT.trace: the
# box's configuration as '# hmsim-capture:' lines (kernel release, RAM end from /proc/zoneinfo, CPUs,
# page-table isolation), then the text of tracing/trace. OUT.trace.box holds uname -a, /proc/cmdline,
# /proc/meminfo and /proc/zoneinfo as they were. Then, on any machine:
#
#   hmsim import ftrace OUT.trace -o OUT.hmt.gz      (CPUs, kernel and RAM come from the header)
#
# Needs root, tracefs (/sys/kernel/tracing or /sys/kernel/debug/tracing) and CONFIG_KPROBE_EVENTS.
# The kprobe arguments read registers: i386 passes the first three arguments of a kernel function in EAX,
# EDX and ECX (regparm(3)).
# POSIX sh and busybox compatible.
set -eu

# Kprobes (name, probe point, fetch args): the importer's FTRACE_KPROBES.
KPROBES='kmap_local __kmap_local_pfn_prot pfn=%ax:u32
kunmap_local kunmap_local_indexed addr=%ax:x32
kmap_high kmap_high page=%ax:x32
kunmap_high kunmap_high page=%ax:x32
flush_zero_pkmaps flush_all_zero_pkmaps
tlb_range flush_tlb_mm_range start=%dx:x32 end=%cx:x32'
# Tracepoints (subsystem/event): the importer's FTRACE_TRACEPOINTS.
TRACEPOINTS='sched/sched_switch
tlb/tlb_flush
exceptions/page_fault_user
syscalls/sys_enter_write'

[ $# -ge 2 ] || { echo "usage: capture.sh OUT.trace COMMAND [ARGS...]" >&2; exit 2; }
out=$1
shift
T=/sys/kernel/tracing
[ -d "$T/events" ] || T=/sys/kernel/debug/tracing
[ -d "$T/events" ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null && T=/sys/kernel/tracing
[ -d "$T/events" ] || {
  echo "capture.sh: no tracefs (expected /sys/kernel/tracing; mount -t tracefs nodev /sys/kernel/tracing)" >&2
  exit 2
}

echo 0 > "$T/tracing_on"
echo > "$T/trace"
echo > "$T/kprobe_events"
echo "$KPROBES" | while read -r name point args; do
  [ -n "$name" ] || continue
  if ! echo "p:$name $point $args" >> "$T/kprobe_events" 2>/dev/null; then
    echo "capture.sh: kprobe $name on $point not available on this kernel (skipped)" >&2
  fi
done
echo "$KPROBES" | while read -r name point args; do
  [ -e "$T/events/kprobes/$name/enable" ] && echo 1 > "$T/events/kprobes/$name/enable"
done
echo "$TRACEPOINTS" | while read -r ev; do
  if [ -e "$T/events/$ev/enable" ]; then
    echo 1 > "$T/events/$ev/enable"
  else
    echo "capture.sh: tracepoint $ev not available (skipped)" >&2
  fi
done
echo 8192 > "$T/buffer_size_kb"

echo 1 > "$T/tracing_on"
status=0
"$@" || status=$?
echo 0 > "$T/tracing_on"

# The box: RAM end = the highest zone end (start_pfn + spanned pages) × page size.
page=4096
ram=$(awk -v page=$page '/^Node/ {z=1} /start_pfn:/ {s=$2} /spanned/ {sp=$2}
  /start_pfn:/ {if (s+sp>m) m=s+sp} /spanned/ {if (s+sp>m) m=s+sp} END {printf "%.0f", m*page}' /proc/zoneinfo)
cpus=$(grep -c '^processor' /proc/cpuinfo)
pti=0
# PTI is on when the CPU flags show it (X86_FEATURE_PTI: also when forced with pti=on on a CPU the kernel
# thinks is not affected, whose meltdown file then says "Not affected") or the meltdown file says so.
grep -qw pti /proc/cpuinfo 2>/dev/null && pti=1
grep -q 'PTI' /sys/devices/system/cpu/vulnerabilities/meltdown 2>/dev/null && pti=1
{
  echo "# hmsim-capture: release=$(uname -r) ram=$ram cpus=$cpus pti=$pti"
  echo "# hmsim-capture: command=$(echo "$*" | tr ' ' '_')"
  cat "$T/trace"
} > "$out"
{
  echo "## uname -a"; uname -a
  echo "## /proc/cmdline"; cat /proc/cmdline
  echo "## cpus"; echo "$cpus"
  echo "## /proc/meminfo"; cat /proc/meminfo
  echo "## /proc/zoneinfo"; cat /proc/zoneinfo
} > "$out.box"

for ev in $(echo "$TRACEPOINTS"); do [ -e "$T/events/$ev/enable" ] && echo 0 > "$T/events/$ev/enable"; done
[ -e "$T/events/kprobes/enable" ] && echo 0 > "$T/events/kprobes/enable"
echo > "$T/kprobe_events"
echo "capture.sh: wrote $out ($(wc -l < "$out") lines) and $out.box; command exit status $status" >&2
exit $status
