#!/usr/bin/env python3
"""Prints a calibration.csv (netperf calibrate's output) as the README's markdown table: measured / predicted (error) per figure."""
import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
by = {}
for r in rows:
    by.setdefault((r['path'], r['role']), {})[r['metric']] = r


def cell(m, key):
    if key not in m:
        return "n/a"
    x = m[key]
    return f"{float(x['measured']):.1f} / {float(x['predicted']):.1f} ({float(x['error']) * 100:+.0f}%)"


print("| path | role | p50 µs | p99 µs | CPU per transaction µs |")
print("|---|---|---|---|---|")
for (path, role), m in by.items():
    if role == 'shipped-profile' or 'p50_ratio' in m:
        continue
    if 'goodput_gbps' in m:  # a stream: goodput in the latency column, CPU per KiB in the CPU column
        print(f"| {path} | {role} | {cell(m, 'goodput_gbps')} Gbit/s | n/a | {cell(m, 'cpu_per_kib_ns')} ns/KiB |")
        continue
    print(f"| {path} | {role} | {cell(m, 'p50_us')} | {cell(m, 'p99_us')} | {cell(m, 'cpu_per_transaction_us')} |")
for (path, role), m in by.items():
    if 'p50_ratio' in m:
        x = m['p50_ratio']
        print(f"\n{path}: measured {float(x['measured']):.2f}, predicted {float(x['predicted']):.2f}")
