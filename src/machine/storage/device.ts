/**
 * A block device: requests are served `queueDepth` at a time, each taking the profile's latency (seek and
 * rotation, or the flash read/program) and then its transfer over one shared link at the profile's
 * bandwidth. Times are in CPU cycles of the run's clock (cyclesPerUs = clockGHz × 1000).
 *
 * ```
 *   submit(at, bytes, write)
 *     slot  = the request slot free soonest             (queueDepth slots, each free at slotFree[s])
 *     start = max(at, slotFree[slot])                    a request waits for a slot
 *     ready = start + latency                            its positioning / flash access
 *     done  = max(ready, linkFree) + bytes / bandwidth   its data moves over the one link, in turn
 *     slotFree[slot] = linkFree = done
 * ```
 * With queueDepth 1 (a disk) requests are strictly one after the other: each costs latency + transfer.
 * Requests arrive in the order the machine replays them, which is time order (the CPU with the smallest
 * clock runs next).
 */
import type { DeviceModel } from '../../models/storage.ts';

/** Counters of one device. */
export interface DeviceCounts {
  reads: number;
  writes: number;
  bytesRead: number;
  bytesWritten: number;
}

export class BlockDevice {
  readonly model: DeviceModel;
  private readonly cyclesPerUs: number;
  private readonly slotFree: Float64Array;
  private linkFree = 0;
  readonly counts: DeviceCounts = { reads: 0, writes: 0, bytesRead: 0, bytesWritten: 0 };
  /** Cycles the device spent serving requests (latency + transfer), for utilisation. */
  busyCycles = 0;

  constructor(model: DeviceModel, clockGHz: number) {
    this.model = model;
    this.cyclesPerUs = clockGHz * 1000;
    this.slotFree = new Float64Array(model.queueDepth);
    // Double fields from the start (see CpuState's constructor, cpu.ts). Same values.
    this.linkFree = 0.5;
    this.busyCycles = 0.5;
    this.linkFree = 0;
    this.busyCycles = 0;
  }

  /** Largest request in bytes. */
  get maxRequestBytes(): number {
    return this.model.maxRequestKiB * 1024;
  }

  /** Cycles of one request of `bytes` on an idle device (latency + transfer). */
  serviceCycles(bytes: number, write: boolean): number {
    const m = this.model;
    const lat = write ? m.writeLatencyUs : m.readLatencyUs;
    const bw = write ? m.writeBandwidthMBps : m.readBandwidthMBps;
    return (lat + bytes / bw) * this.cyclesPerUs;
  }

  /** Submits a request at cycle `at`; returns the cycle it completes. */
  submit(at: number, bytes: number, write: boolean): number {
    const m = this.model;
    let slot = 0;
    for (let s = 1; s < this.slotFree.length; s++) if (this.slotFree[s]! < this.slotFree[slot]!) slot = s;
    const start = Math.max(at, this.slotFree[slot]!);
    const lat = (write ? m.writeLatencyUs : m.readLatencyUs) * this.cyclesPerUs;
    const xfer = (bytes / (write ? m.writeBandwidthMBps : m.readBandwidthMBps)) * this.cyclesPerUs;
    const done = Math.max(start + lat, this.linkFree) + xfer;
    this.slotFree[slot] = done;
    this.linkFree = done;
    this.busyCycles += lat + xfer;
    if (write) {
      this.counts.writes++;
      this.counts.bytesWritten += bytes;
    } else {
      this.counts.reads++;
      this.counts.bytesRead += bytes;
    }
    return done;
  }
}
