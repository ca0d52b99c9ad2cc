"""The READMEs' Python code, run as written against the installed wheel.

- README.md, section ``## Python``: the quick start runs, and every line of each block appears
  verbatim in bindings/python/ci.sh (the block is marked ``<!-- ci: runs in
  bindings/python/ci.sh -->``, which is what the README checker holds it to);
- bindings/python/README.md: each ``python`` block runs in a fresh interpreter and, where a
  ``text`` block follows it, prints exactly that.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from conftest import HERE, REPO

FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)
MARK = "<!-- ci: runs in bindings/python/ci.sh -->"
CI_SH = (HERE.parent / "ci.sh").read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def blocks(text: str) -> List[Tuple[str, str, str]]:
    """(language, code, the line just above the fence) of every fenced block."""
    out = []
    for m in FENCE.finditer(text):
        above = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        out.append((m.group(1), m.group(2), above))
    return out


def run(code: str, tmp: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


ROOT_SECTION = section((REPO / "README.md").read_text(encoding="utf-8"), "## Python")
ROOT_BLOCKS = blocks(ROOT_SECTION)


def test_root_section_has_the_commands_and_a_quick_start() -> None:
    languages = [lang for lang, _, _ in ROOT_BLOCKS]
    assert languages.count("sh") == 1 and languages.count("python") == 1, languages


@pytest.mark.parametrize("lang,code,above", ROOT_BLOCKS, ids=[b[0] for b in ROOT_BLOCKS])
def test_root_blocks_are_what_ci_runs(lang: str, code: str, above: str) -> None:
    assert above == MARK, f"the block is not marked {MARK}"
    for line in code.splitlines():
        if line.strip():
            assert line in CI_SH.splitlines(), f"not verbatim in ci.sh: {line!r}"


def test_root_quick_start_runs_as_written(tmp_path: Path) -> None:
    [code] = [code for lang, code, _ in ROOT_BLOCKS if lang == "python"]
    out = run(code, tmp_path)
    assert out.splitlines() == ["demo", "digest.mismatch 401"]


PACKAGE_README = (HERE.parent / "README.md").read_text(encoding="utf-8")


def _examples() -> List[Tuple[str, Optional[str]]]:
    found = blocks(PACKAGE_README)
    out: List[Tuple[str, Optional[str]]] = []
    for i, (lang, code, _) in enumerate(found):
        if lang == "python":
            following = found[i + 1] if i + 1 < len(found) else None
            out.append((code, following[1] if following and following[0] == "text" else None))
    return out


EXAMPLES = _examples()


def test_package_readme_has_examples() -> None:
    assert len(EXAMPLES) == 3 and all(expected for _, expected in EXAMPLES)


@pytest.mark.parametrize(
    "code,expected", EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))]
)
def test_package_readme_examples_print_what_it_says(
    code: str, expected: Optional[str], tmp_path: Path
) -> None:
    out = run(code, tmp_path)
    if expected is not None:
        assert out == expected


def test_package_readme_commands_are_what_ci_runs() -> None:
    [commands] = [code for lang, code, _ in blocks(PACKAGE_README) if lang == "sh"]
    for line in commands.splitlines():
        assert line in CI_SH.splitlines(), f"not verbatim in ci.sh: {line!r}"
