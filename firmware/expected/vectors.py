#!/usr/bin/env python3
"""The transcript the `vectors` case must print, read straight from test-vectors/*.json.

The firmware's tables are generated from the same files by its build.rs; this is the
independent reading: every vector named in the JSON must appear once, in order, and every
reject vector with exactly its expected_error. qemu-run.sh compares the firmware's output
with what this prints.
"""
import json
from pathlib import Path

vectors = Path(__file__).resolve().parents[2] / "test-vectors"
signing = json.loads((vectors / "signing.json").read_text())["vectors"]
verification = json.loads((vectors / "verification.json").read_text())
lines = [f"ok sign {v['name']}" for v in signing]
lines.append("ok signer-path")
lines += [f"ok accept {v['name']}" for v in verification["accept"]]
lines += [f"ok reject {v['name']} {v['expected_error']}" for v in verification["reject"]]
lines.append(f"vectors: {len(lines)} passed, 0 failed")
print("\n".join(lines))
