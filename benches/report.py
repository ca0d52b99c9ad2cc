#!/usr/bin/env python3
"""Turns criterion's results into the tables of docs/benchmarks.md, and optionally a plot.

    python3 benches/report.py [--criterion DIR] [--ratio FILE] [--plot PNG] [--openssl-seconds N]

Reads DIR/<group>/<function>/<parameter>/new/estimates.json (DIR defaults to
$CARGO_TARGET_DIR/criterion or target/criterion), prints Markdown: every benchmark with its
ratio to the baseline of its group measured in the same run, the goals and whether each is met,
and the body digest at 1 MiB against `openssl speed -evp sha512` when openssl is installed.
With --ratio FILE (the table `cargo run --release -p benches --bin ratio` prints), the goals are
also judged on those interleaved ratios, which load from other work skews far less.
The plot needs matplotlib (pip install matplotlib); the tables need only the standard library.
"""

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

SIZES = ["64", "470", "4096", "65536", "1048576"]


def load(root: Path):
    results = {}
    for path in root.glob("*/*/*/new/estimates.json"):
        group, function, parameter = path.parts[-5:-2]
        data = json.loads(path.read_text())
        results[(group, function, parameter)] = data["median"]["point_estimate"]  # ns
    return results


def load_ratios(path: Path):
    """(A, B) -> median A/B from the ratio binary's Markdown table."""
    ratios = {}
    for line in path.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0].count("/") == 2:
            try:
                ratios[(cells[0], cells[1])] = float(cells[4])
            except ValueError:
                pass
    return ratios


def fmt_time(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:.3f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.3f} µs"
    return f"{ns:.1f} ns"


def mib_s(size: int, ns: float) -> float:
    return size / (ns * 1e-9) / (1 << 20)


def openssl_speed(seconds: int, tries: int = 3):
    """OpenSSL's SHA-512 over 16 KiB blocks, in MiB/s: the best of `tries` runs, since other
    work on the machine only ever slows it down (None when openssl is absent)."""
    if not shutil.which("openssl"):
        return None
    best = None
    for _ in range(tries):
        out = subprocess.run(
            ["openssl", "speed", "-evp", "sha512", "-seconds", str(seconds)],
            capture_output=True, text=True, check=False,
        ).stdout
        for line in out.splitlines():
            if line.startswith("sha512") and "k" in line:
                # Columns: 16, 64, 256, 1024, 8192, 16384 bytes, in 1000s of bytes per second.
                kilo = float(line.split()[-1].rstrip("k"))
                speed = kilo * 1000 / (1 << 20)
                best = speed if best is None else max(best, speed)
    return best


def machine_facts():
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    flags = ""
    try:
        text = Path("/proc/cpuinfo").read_text()
        have = set(re.search(r"^flags\s*:(.*)$", text, re.M).group(1).split())
        flags = " ".join(f for f in ("avx2", "bmi2", "sha_ni", "avx512f") if f in have)
    except (OSError, AttributeError):
        pass
    def run(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "absent"
    return [
        ("CPU", f"{model} ({os.cpu_count()} logical cores; {flags})"),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("rustc", run("rustc", "--version")),
        ("OpenSSL", run("openssl", "version") if shutil.which("openssl") else "absent"),
        ("load average when the report ran", " ".join(f"{x:.2f}" for x in os.getloadavg())),
    ]


def main():
    parser = argparse.ArgumentParser()
    default_dir = Path(os.environ.get("CARGO_TARGET_DIR", "target")) / "criterion"
    parser.add_argument("--criterion", type=Path, default=default_dir)
    parser.add_argument("--plot", type=Path)
    parser.add_argument("--ratio", type=Path)
    parser.add_argument("--openssl-seconds", type=int, default=2)
    args = parser.parse_args()
    r = load(args.criterion)
    if not r:
        raise SystemExit(f"no criterion results under {args.criterion}: run `cargo bench -p benches`")
    get = lambda g, f, p: r.get((g, f, p))

    print("## Machine\n")
    print("| | |\n|---|---|")
    for k, v in machine_facts():
        print(f"| {k} | {v} |")

    def table(group, baseline, parameters, functions, throughput=False):
        head = "| benchmark | median | ratio to `" + baseline + "` |" + (" MiB/s |" if throughput else "")
        print(head)
        print("|---|---:|---:|" + ("---:|" if throughput else ""))
        for p in parameters:
            base = get(group, baseline, p)
            for f in functions:
                t = get(group, f, p)
                if t is None:
                    continue
                ratio = f"{t / base:.3f}" if base else "–"
                row = f"| `{group}/{f}/{p}` | {fmt_time(t)} | {ratio} |"
                if throughput:
                    row += f" {mib_s(int(p), t):.0f} |"
                print(row)
        print()

    print("\n## Results (criterion medians, one run)\n")
    print("### sign\n")
    table("sign", "lower-bound", ["470", "65536"],
          ["ingo", "lower-bound", "naive-std", "http-sig", "ingo-openssl"])
    print("### verify\n")
    table("verify", "lower-bound", ["470", "65536"], ["ingo", "lower-bound"])
    print("### digest (SHA-512 of the body)\n")
    table("digest", "sha2-raw", SIZES,
          ["ingo", "sha2-raw", "ring", "ingo-openssl", "openssl", "aws-lc-rs"], throughput=True)
    print("### mac (HMAC-SHA512 of the seed's signing string)\n")
    table("mac", "hmac-raw", ["signing-string"], ["ingo", "hmac-raw", "openssl"])
    print("### parse and validate (ratio: share of one `verify/ingo/470`)\n")
    verify = get("verify", "ingo", "470")
    print("| benchmark | median | ratio to `verify/ingo/470` |\n|---|---:|---:|")
    for g, f, p in [("parse", "authorization", "seed"), ("parse", "x-date", "seed"),
                    ("validate", "session-create", "seed"), ("validate", "push-to-card", "seed")]:
        t = get(g, f, p)
        if t is not None:
            print(f"| `{g}/{f}/{p}` | {fmt_time(t)} | {t / verify:.3f} |" if verify else
                  f"| `{g}/{f}/{p}` | {fmt_time(t)} | – |")
    print()

    def ratio(a, b):
        ta, tb = get(*a), get(*b)
        return ta / tb if ta and tb else None

    inter = load_ratios(args.ratio) if args.ratio else {}
    inv = lambda x: 1 / x if x else None
    # (goal, criterion ratio, interleaved ratio, test); digest goals compare speeds (B/A).
    goals = [
        ("sign ≤ 1.10× lower-bound", ratio(("sign", "ingo", "470"), ("sign", "lower-bound", "470")),
         inter.get(("sign/ingo/470", "sign/lower-bound/470")), lambda x: x <= 1.10),
        ("verify ≤ 1.20× lower-bound", ratio(("verify", "ingo", "470"), ("verify", "lower-bound", "470")),
         inter.get(("verify/ingo/470", "verify/lower-bound/470")), lambda x: x <= 1.20),
        ("naive-std ≥ 2× ours", ratio(("sign", "naive-std", "470"), ("sign", "ingo", "470")),
         inter.get(("sign/naive-std/470", "sign/ingo/470")), lambda x: x >= 2),
        ("http-sig ≥ 2× ours", ratio(("sign", "http-sig", "470"), ("sign", "ingo", "470")),
         inter.get(("sign/http-sig/470", "sign/ingo/470")), lambda x: x >= 2),
    ] + [
        (f"digest/ingo ≥ 0.97× sha2-raw speed at {s}",
         ratio(("digest", "sha2-raw", s), ("digest", "ingo", s)),
         inv(inter.get((f"digest/ingo/{s}", f"digest/sha2-raw/{s}"))), lambda x: x >= 0.97)
        for s in SIZES
    ]
    print("## Goals\n")
    print("| goal | criterion (sequential) | interleaved (`ratio`) | met |\n|---|---:|---:|---|")
    for name, value, interleaved, ok in goals:
        # The verdict goes by the interleaved ratio when there is one.
        judged = interleaved if interleaved is not None else value
        cells = [f"{v:.3f}" if v is not None else "–" for v in (value, interleaved)]
        verdict = "–" if judged is None else ("yes" if ok(judged) else "**no**")
        print(f"| {name} | {cells[0]} | {cells[1]} | {verdict} |")
    print()
    if inter:
        print("## Interleaved ratios\n")
        print(args.ratio.read_text().strip())
        print()

    mb = openssl_speed(args.openssl_seconds)
    print("## Body digest at 1 MiB against OpenSSL\n")
    print("| implementation | MiB/s | share of OpenSSL |\n|---|---:|---:|")
    if mb:
        print(f"| `openssl speed -evp sha512`, 16 KiB blocks, best of 3 (run after the benches) | {mb:.0f} | 1.000 |")
    for f in ["ingo", "sha2-raw", "ring", "aws-lc-rs", "openssl", "ingo-openssl"]:
        t = get("digest", f, "1048576")
        if t:
            speed = mib_s(1048576, t)
            share = f"{speed / mb:.3f}" if mb else "–"
            print(f"| `digest/{f}/1048576` | {speed:.0f} | {share} |")
    print()

    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
        pick = lambda crit, key: inter.get(key, crit)
        bars = [
            ("sign: ingo\n/ lower-bound", 1.10, pick(ratio(("sign", "ingo", "470"), ("sign", "lower-bound", "470")),
                                                  ("sign/ingo/470", "sign/lower-bound/470"))),
            ("verify: ingo\n/ lower-bound", 1.20, pick(ratio(("verify", "ingo", "470"), ("verify", "lower-bound", "470")),
                                                    ("verify/ingo/470", "verify/lower-bound/470"))),
            ("sign: naive-std\n/ ingo", 2.0, pick(ratio(("sign", "naive-std", "470"), ("sign", "ingo", "470")),
                                                ("sign/naive-std/470", "sign/ingo/470"))),
            ("sign: http-sig\n/ ingo", 2.0, pick(ratio(("sign", "http-sig", "470"), ("sign", "ingo", "470")),
                                               ("sign/http-sig/470", "sign/ingo/470"))),
        ]
        bars = [b for b in bars if b[2]]
        left.bar(range(len(bars)), [v for _, _, v in bars], color="#4477aa", label="measured")
        left.scatter(range(len(bars)), [g for _, g, _ in bars], color="#cc3311", marker="_", s=900,
                     linewidths=3, label="goal", zorder=3)
        left.set_xticks(range(len(bars)), [n for n, _, _ in bars])
        left.axhline(1.0, color="black", linewidth=0.8)
        left.set_ylabel("time ratio (470-byte body)")
        source = "interleaved `ratio`" if inter else "criterion"
        left.set_title(f"Goals: measured ratio ({source}) and goal")
        left.legend(fontsize=8, loc="upper center")
        for i, (_, _, v) in enumerate(bars):
            left.text(i, v, f"{v:.2f}×", ha="center", va="bottom")
        for f in ["ingo", "sha2-raw", "ring", "aws-lc-rs", "ingo-openssl"]:
            xs, ys = [], []
            for s in SIZES:
                t = get("digest", f, s)
                if t:
                    xs.append(int(s))
                    ys.append(mib_s(int(s), t))
            if xs:
                right.plot(xs, ys, marker="o", label=f)
        if mb:
            right.axhline(mb, color="gray", linestyle="--", label="openssl speed (16 KiB)")
        right.set_xscale("log", base=2)
        right.set_xlabel("body size (bytes)")
        right.set_ylabel("MiB/s")
        right.set_title("SHA-512 body digest throughput")
        right.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(args.plot, dpi=100)
        print(f"<!-- plot written to {args.plot} -->")


if __name__ == "__main__":
    main()
