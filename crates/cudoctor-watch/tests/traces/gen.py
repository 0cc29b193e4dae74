#!/usr/bin/env python3
"""Writes the replay traces of this directory: nvidia-smi `--query-gpu ... --format=csv -l 1`
logs of the six situations cudoctor watch judges, plus a GPU lost and a process exiting mid-run.
Hand-chosen values in the shape real logs have (the header spelling, units, `[N/A]`,
`Active`/`Not Active`), seeded so that a rerun writes the same files."""
import random

A100 = ("NVIDIA A100-SXM4-80GB", "GPU-3f2a9c4e-8b1d-4f6a-9e2c-7d5b1a0c9e11", 81920, 1410)
H100 = ("NVIDIA H100 80GB HBM3", "GPU-9b7e1d2c-4a3f-4e8d-b6c5-2f1e0d9c8b77", 81559, 1980)
FULL = ("timestamp, index, name, uuid, utilization.gpu [%], utilization.memory [%], "
        "memory.used [MiB], memory.total [MiB], power.draw [W], clocks.current.sm [MHz], "
        "clocks.max.sm [MHz], temperature.gpu, clocks_event_reasons.gpu_idle, "
        "clocks_event_reasons.sw_power_cap, clocks_event_reasons.hw_slowdown, "
        "clocks_event_reasons.sw_thermal_slowdown, clocks_event_reasons.hw_thermal_slowdown")


def stamp(ms):
    s, ms = divmod(ms, 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"2026/11/30 {14 + h:02d}:{7 + m:02d}:{s:02d}.{ms:03d}"


def act(b):
    return "Active" if b else "Not Active"


def row(ms, idx, gpu, util, memu, used, power, clock, temp, idle=False, pcap=False, hw=False,
        swt=False, hwt=False):
    name, uuid, total, maxc = gpu
    return (f"{stamp(ms)}, {idx}, {name}, {uuid}, {util} %, {memu} %, {used} MiB, {total} MiB, "
            f"{power:.2f} W, {clock} MHz, {maxc} MHz, {temp}, {act(idle)}, {act(pcap)}, {act(hw)}, "
            f"{act(swt)}, {act(hwt)}")


def write(name, lines):
    with open(name, "w") as f:
        f.write("\n".join(lines) + "\n")


r = random.Random(7)
t0 = 123  # ms after the second

# healthy: a ResNet-50 run, util 90-99%, memory growing as the allocator warms up.
lines = [FULL]
for i in range(40):
    used = min(30822, 18000 + i * 600)
    u = r.randint(90, 99)
    lines.append(row(t0 + i * 1000, 0, A100, u, r.randint(55, 72), used, r.uniform(330, 395),
                     1410, 58 + i // 8, pcap=(u > 97)))
write("healthy.csv", lines)

# input-bound: a process holds 10 GiB, the GPU waits on the CPU decoding JPEGs: one busy
# sample in six.
lines = [FULL]
for i in range(40):
    busy = i % 6 == 3
    u = r.randint(85, 97) if busy else r.randint(0, 4)
    lines.append(row(t0 + i * 1000, 0, A100, u, (u * 2) // 3, 10240 + (i % 3), 
                     r.uniform(250, 300) if busy else r.uniform(68, 75),
                     1410 if busy else 1395, 41, idle=False))
write("input_bound.csv", lines)

# host-sync: `loss.item()` every step on an H100 sampled every 500 ms (`-lms 500`): two busy
# samples, two waiting ones; drivers before 535 spell the reasons clocks_throttle_reasons.*.
OLD = FULL.replace("clocks_event_reasons", "clocks_throttle_reasons")
lines = [OLD]
for i in range(60):
    busy = (i // 2) % 2 == 0
    u = r.randint(96, 100) if busy else r.randint(0, 3)
    lines.append(row(t0 + i * 500, 0, H100, u, u // 2, 22528, r.uniform(520, 640) if busy else
                     r.uniform(130, 160), 1980, 52))
write("host_sync.csv", lines)

# idle: nothing on the GPU, clocks down for gpu_idle (which is not a slowdown), power N/A on
# this board.
lines = [FULL]
for i in range(30):
    l = row(t0 + i * 1000, 0, A100, 0, 0, 0, 0, 210, 31, idle=True)
    lines.append(l.replace("0.00 W", "[N/A]"))
write("idle.csv", lines)

# throttled: an H100 in a hot chassis: full load, the SM clock held near 1100-1250 MHz of
# 1980 by thermal slowdown.
lines = [FULL]
for i in range(40):
    lines.append(row(t0 + i * 1000, 0, H100, r.randint(97, 100), r.randint(60, 70), 61440,
                     r.uniform(420, 470), r.randint(1095, 1250), r.randint(87, 91),
                     swt=True, hwt=(i % 3 == 0)))
write("throttled.csv", lines)

# process exiting mid-run: 25 s of healthy training, then the job ends: memory released,
# utilization 0.
lines = [FULL]
for i in range(40):
    if i < 25:
        lines.append(row(t0 + i * 1000, 0, A100, r.randint(91, 99), r.randint(60, 70), 30822,
                         r.uniform(340, 390), 1410, 62))
    else:
        lines.append(row(t0 + i * 1000, 0, A100, 0, 0, 4, r.uniform(60, 64), 210, 45,
                         idle=True))
write("process_exit.csv", lines)

# GPU lost: two GPUs training; at 20 s GPU 1 falls off the bus (Xid 79): its row reads
# `[GPU is lost]`, nvidia-smi then prints its message and the GPU is gone from the log.
lines = [FULL]
for i in range(35):
    ms = t0 + i * 1000
    lines.append(row(ms, 0, A100, r.randint(90, 99), 65, 30822, r.uniform(340, 390), 1410, 61))
    if i < 20:
        lines.append(row(ms, 1, A100, r.randint(90, 99), 64, 30818, r.uniform(340, 390), 1410,
                         63).replace(A100[1], A100[1][:-2] + "22"))
    elif i == 20:
        lines.append(f"{stamp(ms)}, 1, " + ", ".join(["[GPU is lost]"] * 15))
    elif i == 21:
        lines.append("Unable to determine the device handle for GPU0000:C8:00.0: GPU is lost.  "
                     "Reboot the system to recover this GPU")
write("gpu_lost.csv", lines)

# noheader,nounits: `--query-gpu=timestamp,index,utilization.gpu,memory.used,memory.total,
# clocks.sm,clocks.max.sm --format=csv,noheader,nounits -l 1`; needs `--fields`.
lines = []
for i in range(30):
    lines.append(f"{stamp(t0 + i * 1000)}, 0, {r.randint(88, 99)}, {24000 + 20 * i}, 81920, "
                 f"1410, 1410")
write("noheader_nounits.csv", lines)
