"""The benchmark's contenders sign alike, and the benchmark runs.

The straightforward ``hmac`` + ``hashlib`` signer of bench/bench_sign.py is the baseline the
package is measured against; its figures mean something only if it produces the package's
headers. It is checked here on the seed request and on every signing vector it can express
(hmac-sha512, the default list and order, HTTP/1.1, no extra headers).
"""

from __future__ import annotations

import calendar
import email.utils
import importlib.util
import sys
from types import ModuleType

import ingo_signer
from conftest import HERE, REPO, load_vectors


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_sign", HERE.parent / "bench" / "bench_sign.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_sign"] = module
    spec.loader.exec_module(module)
    return module


bench = _bench()
DEFAULT = ["request-line", "x-date", "content-type", "content-length", "content-sha512"]


def test_straightforward_signer_matches_the_vectors() -> None:
    checked = 0
    for group, v in load_vectors():
        req = v["request"]
        headers = {n.lower(): value for n, value in req["headers"]}
        if (
            group != "signing"
            or v["algorithm"] != "hmac-sha512"
            or v["signed_headers"] != DEFAULT
            or req["version"] != "1.1"
            or headers.get("content-type") != "application/json"
        ):
            continue
        parsed = email.utils.parsedate(headers["x-date"])
        assert parsed is not None
        body = req["body"].encode("utf-8")
        signed = bench.straightforward_sign(
            v["username"],
            v["secret"].encode(),
            req["method"],
            req["target"],
            body,
            calendar.timegm(parsed),
        )
        assert signed["Authorization"] == v["authorization"], v["name"]
        key = ingo_signer.SigningKey(v["username"], v["secret"])
        assert signed == ingo_signer.sign(
            key, req["method"], req["target"], body, now=calendar.timegm(parsed)
        )
        checked += 1
    assert checked >= 20, checked


def test_the_benchmark_runs_and_reports_three_contenders() -> None:
    runs = bench.contenders(REPO)
    assert set(runs) == {"package", "hmac+hashlib", "rust-core"}
    times = bench.measure(runs, 0.05)
    assert all(len(t) >= 5 and min(t) > 0 for t in times.values())
    table = bench.report(times)
    assert table.count("\n| ") == 4, table
