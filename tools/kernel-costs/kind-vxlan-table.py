#!/usr/bin/env python3
"""Summarises a measure-kind-vxlan.sh run: per variant, each path's median round trip over the rounds, and VXLAN's
extra over host-gw across kind nodes (the median of the per-round differences, each round's two runs back to back),
beside the VXLAN testbed's figure with the same rules in its routers.
Usage: python3 tools/kernel-costs/kind-vxlan-table.py results-KERNEL-kind-vxlan.csv"""
import csv
import statistics as st
import sys

rows = list(csv.DictReader(open(sys.argv[1])))
variants = list(dict.fromkeys(r["variant"] for r in rows))
print("| variant | flannel-vxlan p50 us | flannel-host-gw p50 us | VXLAN - host-gw us | ratio | VXLAN testbed p50 us | other CPUs busy |")
print("|---|---:|---:|---:|---:|---:|---:|")
for v in variants:
    def p50s(plugin):
        return {r["round"]: int(r["p50_ns"]) / 1000 for r in rows if r["variant"] == v and r["plugin"] == plugin}
    vx, gw, tb = p50s("flannel-vxlan"), p50s("flannel-host-gw"), p50s("vxlan-testbed")
    diff = st.median(vx[k] - gw[k] for k in vx if k in gw)
    busy = st.median(float(r.get("other_cpus_busy") or 0) for r in rows if r["variant"] == v)
    tbs = f"{st.median(tb.values()):.2f}" if tb else "n/a"
    print(f"| {v} | {st.median(vx.values()):.2f} | {st.median(gw.values()):.2f} | {diff:.2f} | {st.median(vx.values()) / st.median(gw.values()):.3f} | {tbs} | {busy:.0%} |")
