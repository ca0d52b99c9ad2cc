"""Shared fixtures: the repository's test vectors, and a guard that the package under test is
the installed wheel, never the source tree."""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any, Dict, List, Tuple

import pytest

import ingo_signer

HERE = pathlib.Path(__file__).resolve().parent
PACKAGE_SOURCE = HERE.parent / "python"
# The repository root: test-vectors/ and README.md. INGO_SIGNER_REPO overrides it.
REPO = pathlib.Path(os.environ.get("INGO_SIGNER_REPO", HERE.parents[2])).resolve()
VECTORS = REPO / "test-vectors"


def pytest_report_header() -> List[str]:
    return [
        f"ingo_signer {ingo_signer.__version__} from {pathlib.Path(ingo_signer.__file__).parent}"
    ]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse to test the source tree: the tests are for the wheel as installed."""
    loaded = pathlib.Path(ingo_signer.__file__).resolve()
    if PACKAGE_SOURCE in loaded.parents:
        raise pytest.UsageError(
            f"ingo_signer was imported from the source tree ({loaded}); install the wheel "
            "and run the tests from a directory where python/ is not on sys.path"
        )


def load_vectors() -> List[Tuple[str, Dict[str, Any]]]:
    """Every vector, as (group, vector): group is signing, accept or reject."""
    signing = json.loads((VECTORS / "signing.json").read_text(encoding="utf-8"))
    verification = json.loads((VECTORS / "verification.json").read_text(encoding="utf-8"))
    cases: List[Tuple[str, Dict[str, Any]]] = [("signing", v) for v in signing["vectors"]]
    cases += [("accept", v) for v in verification["accept"]]
    cases += [("reject", v) for v in verification["reject"]]
    return cases
