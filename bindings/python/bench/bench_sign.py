"""Signing the seed request from Python: the package, a straightforward ``hmac`` + ``hashlib``
implementation, and the Rust core's own call, in one run.

The request is SPEC §7's Session Create call: the 470-byte minified seed body (read from
test-vectors/signing.json, vector ``session-create-spec-known-answer``, the body of benches/),
``POST /api/v1/sessions/point-in-time/plugin``, the demo key, the SPEC §7 instant.

- ``package``: ``ingo_signer.sign(key, method, target, body, now=now)`` from Python, the key made
  once (as an application holds it);
- ``hmac+hashlib``: what a Python developer writes from the SPEC (:func:`straightforward_sign`):
  ``email.utils`` for the date, an f-string signing string, ``hmac.new`` keyed per call,
  ``base64``; it returns the same five headers, checked before anything is timed;
- ``rust-core``: ``Signer::sign`` of ingo-signer-core in a Rust loop inside the extension
  (``ingo_signer._native._bench_core_sign``), no Python between calls: the floor the package
  adds its call overhead to.

Like benches/src/bin/ratio.rs, it alternates short batches (about 1 ms) of the three for the
given time, so that load from other work hits all three alike, and reports each one's median
and best time per call, the medians of the per-round ratios with their interquartile ranges,
and the ratios of the best times.

Usage: ``python bench_sign.py [--seconds 10] [--repo PATH]``; prints a Markdown table.
"""

from __future__ import annotations

import argparse
import base64
import email.utils
import hashlib
import hmac
import json
import os
import pathlib
import platform
import statistics
import sys
import time
from typing import Callable, Dict, List, Tuple

import ingo_signer
from ingo_signer import _native

HERE = pathlib.Path(__file__).resolve().parent
METHOD = "POST"
TARGET = "/api/v1/sessions/point-in-time/plugin"


def straightforward_sign(
    username: str, secret: bytes, method: str, target: str, body: bytes, now: int
) -> Dict[str, str]:
    """SPEC §3 with the standard library, as a developer would write it."""
    x_date = email.utils.formatdate(now, usegmt=True)
    digest = base64.b64encode(hashlib.sha512(body).digest()).decode("ascii")
    signing_string = (
        f"{method} {target} HTTP/1.1\n"
        f"x-date: {x_date}\n"
        "content-type: application/json\n"
        f"content-length: {len(body)}\n"
        f"content-sha512: {digest}"
    )
    mac = hmac.new(secret, signing_string.encode("utf-8"), hashlib.sha512).digest()
    signature = base64.b64encode(mac).decode("ascii")
    return {
        "X-Date": x_date,
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Content-sha512": digest,
        "Authorization": (
            f'hmac username="{username}", algorithm="hmac-sha512", '
            'headers="request-line x-date content-type content-length content-sha512", '
            f'signature="{signature}"'
        ),
    }


def seed(repo: pathlib.Path) -> Tuple[str, bytes, bytes, int]:
    """(username, secret, body, now) of SPEC §7's known-answer vector."""
    vectors = json.loads((repo / "test-vectors" / "signing.json").read_text(encoding="utf-8"))
    v = next(v for v in vectors["vectors"] if v["name"] == "session-create-spec-known-answer")
    return v["username"], v["secret"].encode(), v["request"]["body"].encode("utf-8"), v["now"]


def contenders(repo: pathlib.Path) -> Dict[str, Callable[[int], float]]:
    """Each contender as ``run(n) -> seconds for n calls``, checked to sign alike first."""
    username, secret, body, now = seed(repo)
    assert len(body) == 470, len(body)
    key = ingo_signer.SigningKey(username, secret)
    sign = ingo_signer.sign
    expected = sign(key, METHOD, TARGET, body, now=now)
    if straightforward_sign(username, secret, METHOD, TARGET, body, now) != expected:
        raise SystemExit("the straightforward implementation does not sign as the package does")
    _native._bench_core_sign(key, METHOD, TARGET, body, now, 1)

    def package(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            sign(key, METHOD, TARGET, body, now=now)
        return time.perf_counter() - start

    def straightforward(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            straightforward_sign(username, secret, METHOD, TARGET, body, now)
        return time.perf_counter() - start

    def core(n: int) -> float:
        return _native._bench_core_sign(key, METHOD, TARGET, body, now, n)

    return {"package": package, "hmac+hashlib": straightforward, "rust-core": core}


def measure(runs: Dict[str, Callable[[int], float]], seconds: float) -> Dict[str, List[float]]:
    """Per-call times of each contender, one per round, in alternating ~1 ms batches."""
    batch = {}
    for name, run in runs.items():
        once = max(run(20) / 20, 1e-9)
        batch[name] = max(1, int(0.001 / once))
    times: Dict[str, List[float]] = {name: [] for name in runs}
    names = list(runs)
    deadline = time.perf_counter() + seconds
    rounds = 0
    while time.perf_counter() < deadline or rounds < 5:
        order = names[rounds % len(names) :] + names[: rounds % len(names)]
        for name in order:
            times[name].append(runs[name](batch[name]) / batch[name])
        rounds += 1
    return times


def quartiles(values: List[float]) -> Tuple[float, float, float]:
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return q[0], statistics.median(values), q[2]


def report(times: Dict[str, List[float]]) -> str:
    """Per contender: the median and the best time per call; against the core and the package:
    the median of the per-round ratios (with its interquartile range) and the ratio of the best
    times. On a loaded machine the best times are the cleaner figures: load only adds time."""
    rounds = len(next(iter(times.values())))
    lines = [
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"ingo_signer {ingo_signer.__version__}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{rounds} interleaved rounds",
        "",
        "| contender | per call: median | best | × rust-core: median (IQR) | best |"
        " × package: median (IQR) | best |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, values in times.items():
        cells = [name, f"{statistics.median(values) * 1e6:.2f} µs", f"{min(values) * 1e6:.2f} µs"]
        for base in ("rust-core", "package"):
            ratios = [a / b for a, b in zip(values, times[base])]
            low, mid, high = quartiles(ratios)
            cells.append(f"{mid:.2f}× ({low:.2f}–{high:.2f})")
            cells.append(f"{min(values) / min(times[base]):.2f}×")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="time to measure (default 10)")
    parser.add_argument(
        "--repo",
        type=pathlib.Path,
        default=HERE.parents[2],
        help="the repository (for test-vectors/); default: this file's",
    )
    args = parser.parse_args(argv)
    print(report(measure(contenders(args.repo), args.seconds)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
