#!/usr/bin/env python3
"""Runs the code blocks of README.md and docs/cli.md the way CONTRACTS.md says CI runs them.

Every fenced block is preceded, on the line just above its fence, by an HTML comment that says
how it is checked (```rust blocks need none):

  <!-- ci: run -->            bash (set -euo pipefail) runs the block as written, from the root
                              of a scratch copy of the repository, after
                              `cargo install --locked --path signer-cli` (so `ingo-sign` is on
                              PATH). Blocks run in order in that one copy: files a block makes
                              and variables it exports are there for the blocks after it, as in
                              one terminal.
  <!-- ci: runs in PATH -->   the script at PATH (.ci/run, or a script .ci/run calls) runs the
                              block's commands: each command line must stand in it verbatim.
  <!-- ci: output -->         a ```text block: what the nearest block run before it (a `ci: run`
                              block or a ```rust program) printed, standard output and error as
                              a terminal shows them, exact but for trailing spaces.
  <!-- ci: dependencies -->   a ```toml block with the `[dependencies]` the ```rust blocks after
                              it (up to the next such block) are built with, and nothing else.
  ```rust                     a complete program with `fn main`: built with those dependencies
                              (the workspace's own crates taken from the scratch copy, every
                              other crate from crates.io at the workspace's locked versions),
                              warnings denied, and run from the scratch copy's root with what
                              the blocks before it exported.
  <!-- ci: example c -->      the C ABI examples: byte for byte examples/ffi/example.c and
  <!-- ci: example python -->  examples/ffi/example.py, which signer-ffi/ci.sh compiles and runs.

Usage:
  python3 .ci/readme.py                      check README.md and docs/cli.md
  python3 .ci/readme.py --doc README.md      check one document
  python3 .ci/readme.py --negative-controls  show that mutated copies of README.md are refused

The scratch copies, the installed `ingo-sign` and the builds live in
${CARGO_TARGET_DIR:-target}/readme-check, so a second run builds little.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ("README.md", "docs/cli.md")
EXAMPLES = {"c": "examples/ffi/example.c", "python": "examples/ffi/example.py"}
# The workspace's publishable crates: a README dependency on one of them is built from the
# scratch copy (they are not on crates.io yet), the version requirement still checked by cargo.
WORKSPACE_CRATES = {
    "ingo-signer-core": "signer-core",
    "ingo-signer": "signer-std",
    "ingo-sign": "signer-cli",
    "ingo-signer-ffi": "signer-ffi",
}
SHELLS = ("sh", "bash", "shell")
BLOCK_TIMEOUT = 1800

MARKER = re.compile(r"^<!--\s*ci:\s*(.*?)\s*-->$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([A-Za-z0-9_+-]*)\s*$")


class Failure(Exception):
    """A block that does not hold: the message says where and why."""


@dataclasses.dataclass
class Block:
    doc: str
    line: int  # the fence's line, from 1
    lang: str
    marker: str | None  # what follows `ci:` in the comment above, if any
    text: str  # the lines between the fences, without their indent

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def parse(doc: str, text: str) -> list[Block]:
    """The fenced blocks of a Markdown document, with the marker above each."""
    lines = text.split("\n")
    blocks = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence, lang = opening.groups()
        closing = re.compile(r"^\s*%s{%d,}\s*$" % (re.escape(fence[0]), len(fence)))
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if end == len(lines):
            raise Failure(f"{doc}:{i + 1}: the block is never closed")
        body = [line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines[i + 1 : end]]
        above = MARKER.match(lines[i - 1].strip()) if i > 0 else None
        blocks.append(Block(doc, i + 1, lang, above.group(1) if above else None, "\n".join(body)))
        i = end + 1
    return blocks


# --- static checks ------------------------------------------------------------------------------


def logical_lines(text: str) -> list[str]:
    """Shell lines with backslash continuations joined, stripped; blank and comment lines dropped."""
    out: list[str] = []
    pending = ""
    for raw in text.split("\n"):
        line = raw.strip()
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        line = (pending + line).strip()
        pending = ""
        if line and not line.startswith("#"):
            out.append(line)
    if pending.strip():
        out.append(pending.strip())
    return out


def without_comment(command: str) -> str:
    """A command without a trailing `  # comment` (a `#` after white space, outside quotes)."""
    quote = None
    for i, c in enumerate(command):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and i > 0 and command[i - 1] in " \t":
            return command[:i].rstrip()
    return command


def runs_in(command: str, script_lines: list[str]) -> bool:
    """Whether `command` stands verbatim in one of the script's lines: as the whole command, or
    with only an environment assignment before it and a separator, pipe, redirection or comment
    after it."""
    after = r"(\s*$|\s*(;|&&|\|\||\||#|\)|[0-9]?>))"
    pattern = re.compile(r"(^|\s)" + re.escape(command) + after)
    return any(pattern.search(line) for line in script_lines)


def called_by_ci(path: str) -> bool:
    if path == ".ci/run":
        return True
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    return re.search(r"(^|\s)(bash|sh|python3)\s+(\./)?" + re.escape(path) + r"(\s|$)", ci, re.M) is not None


def check_static(blocks: list[Block]) -> None:
    """Everything that needs no run: markers, `runs in` scripts, examples, what builds Rust."""
    problems = []
    dependencies: Block | None = None
    ran_before = False
    for b in blocks:
        m = b.marker
        if b.lang == "rust":
            if m is not None:
                problems.append(f"{b.where}: a ```rust block takes no marker (it is always built and run)")
            if dependencies is None:
                problems.append(f"{b.where}: no `<!-- ci: dependencies -->` ```toml block above this ```rust block")
            if "fn main" not in b.text:
                problems.append(f"{b.where}: a ```rust block must be a complete program with `fn main`")
            ran_before = True
        elif m is None:
            problems.append(
                f"{b.where}: the ```{b.lang} block has no `<!-- ci: ... -->` marker on the line above it"
            )
        elif m == "run":
            if b.lang not in SHELLS:
                problems.append(f"{b.where}: `ci: run` is for ```sh blocks, not ```{b.lang}")
            ran_before = True
        elif m.startswith("runs in "):
            path = m[len("runs in ") :].strip()
            script = ROOT / path
            if not script.is_file():
                problems.append(f"{b.where}: `ci: runs in {path}`: there is no such script")
                continue
            if not called_by_ci(path):
                problems.append(f"{b.where}: `ci: runs in {path}`: .ci/run does not run {path}")
            script_lines = logical_lines(script.read_text(encoding="utf-8"))
            for command in logical_lines(b.text):
                command = without_comment(command)
                if not runs_in(command, script_lines):
                    problems.append(f"{b.where}: `{command}` is not in {path} as written")
        elif m == "output":
            if b.lang != "text":
                problems.append(f"{b.where}: `ci: output` is for ```text blocks, not ```{b.lang}")
            if not ran_before:
                problems.append(f"{b.where}: `ci: output` with no block run before it")
        elif m == "dependencies":
            if b.lang != "toml":
                problems.append(f"{b.where}: `ci: dependencies` is for ```toml blocks, not ```{b.lang}")
                continue
            try:
                table = tomllib.loads(b.text)
            except tomllib.TOMLDecodeError as e:
                problems.append(f"{b.where}: not TOML: {e}")
                continue
            if set(table) != {"dependencies"}:
                problems.append(f"{b.where}: a dependencies block holds `[dependencies]` and nothing else")
            dependencies = b
        elif m.startswith("example "):
            lang = m[len("example ") :].strip()
            if lang not in EXAMPLES or b.lang != lang:
                problems.append(f"{b.where}: `ci: example {lang}` on a ```{b.lang} block")
                continue
            wanted = (ROOT / EXAMPLES[lang]).read_text(encoding="utf-8")
            if b.text + "\n" != wanted:
                problems.append(f"{b.where}: the {lang} example differs from {EXAMPLES[lang]}, which CI runs")
        else:
            problems.append(f"{b.where}: unknown marker `ci: {m}`")
    if problems:
        raise Failure("\n".join(problems))


# --- running ------------------------------------------------------------------------------------


def target_dir() -> Path:
    configured = os.environ.get("CARGO_TARGET_DIR")
    return Path(configured) if configured else ROOT / "target"


def copy_tree(dest: Path) -> None:
    """Makes `dest` a copy of the repository's files as they are in the working tree (tracked, or
    untracked and not ignored), modification times kept so that cargo's fingerprints hold across
    runs. A second call only brings back what differs: files the blocks made or changed go, and
    changed sources come again; `dest/target` (a link) stays."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    wanted = {name for name in listed.decode().split("\0") if name and (ROOT / name).is_file()}
    dest.mkdir(parents=True, exist_ok=True)
    for directory, subdirs, files in os.walk(dest, topdown=True):
        here = Path(directory)
        if here == dest and "target" in subdirs:
            subdirs.remove("target")
        for name in files:
            path = here / name
            if path.relative_to(dest).as_posix() not in wanted:
                path.unlink()
        for name in list(subdirs):
            if (here / name).is_symlink():
                (here / name).unlink()
                subdirs.remove(name)
    for directory, subdirs, files in os.walk(dest, topdown=False):
        here = Path(directory)
        if here != dest and not here.is_relative_to(dest / "target") and not any(here.iterdir()):
            here.rmdir()
    for name in sorted(wanted):
        source, copy = ROOT / name, dest / name
        stat = source.stat()
        if not copy.is_symlink() and copy.is_file():
            mine = copy.stat()
            if (mine.st_size, mine.st_mtime_ns) == (stat.st_size, stat.st_mtime_ns):
                continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, copy, follow_symlinks=False)


def run_captured(argv: list[str], cwd: Path, env: dict[str, str], what: str) -> tuple[int, str]:
    """Runs `argv` in its own process group with standard output and error in one stream (as a
    terminal shows them), then stops whatever it left running."""
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            code = process.wait(timeout=BLOCK_TIMEOUT)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            process.wait()
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace")
    if code is None:
        raise Failure(f"{what}: still running after {BLOCK_TIMEOUT} s\n{text}")
    return code, text


def normalized(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise Failure(f"cannot write {value!r} as TOML")


class Runner:
    """Runs one document's blocks in order in one scratch copy of the repository."""

    def __init__(self, doc: str, base: Path) -> None:
        self.doc = doc
        self.base = base
        slug = re.sub(r"[^a-z0-9]+", "-", doc.lower()).strip("-")
        self.slug = slug
        # One path for every document, copied afresh for each: the workspace's crates keep their
        # package ids, so cargo rebuilds nothing that did not change.
        self.tree = base / "tree"
        self.env_file = base / "state" / f"{slug}.env"
        self.rust_dir = base / "rust" / slug
        self.last_output: tuple[str, str] | None = None  # (what ran, what it printed)

    def prepare(self) -> None:
        started = time.monotonic()
        copy_tree(self.tree)
        print(f"  scratch copy made ({time.monotonic() - started:.0f} s)")
        # One target directory for every copy and run: the copy's `target/` (as README's
        # commands name it) is a link to it.
        shared = self.base / "target"
        shared.mkdir(parents=True, exist_ok=True)
        link = self.tree / "target"
        if not link.is_symlink():
            link.symlink_to(shared, target_is_directory=True)
        self.env_file.parent.mkdir(parents=True, exist_ok=True)
        self.env_file.write_text("", encoding="utf-8")
        env = dict(os.environ)
        env.pop("CARGO_TARGET_DIR", None)
        env["CARGO_TARGET_DIR"] = str(self.tree / "target")
        env["CARGO_INSTALL_ROOT"] = str(self.base / "root")
        env["PATH"] = f"{self.base / 'root' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env.setdefault("CARGO_TERM_COLOR", "never")
        self.env = env
        started = time.monotonic()
        code, text = run_captured(
            ["cargo", "install", "--locked", "--quiet", "--path", "signer-cli"],
            self.tree, env, "cargo install --locked --path signer-cli",
        )
        if code != 0:
            raise Failure(f"{self.doc}: cargo install --locked --path signer-cli failed:\n{text}")
        print(f"  ingo-sign installed from the scratch copy ({time.monotonic() - started:.0f} s)")

    def run_shell(self, b: Block) -> None:
        script = self.base / "state" / f"{self.slug}-{b.line}.sh"
        script.write_text(
            "set -euo pipefail\n"
            f". {self.env_file}\n"
            f"cd {self.tree}\n"
            f"{b.text}\n"
            # What the block exported, for the blocks after it.
            f"export -p | grep -Ev '^declare -x (PWD|OLDPWD|SHLVL|_)=' > {self.env_file}\n",
            encoding="utf-8",
        )
        code, text = run_captured(["bash", str(script)], self.tree, self.env, b.where)
        if code != 0:
            raise Failure(f"{b.where}: the block exited with {code}:\n{b.text}\n--- it printed:\n{text}")
        self.last_output = (b.where, text)

    def run_rust(self, b: Block, dependencies: Block) -> None:
        name = f"readme-{self.slug}-{b.line}"
        crate = self.rust_dir / name
        (crate / "src").mkdir(parents=True, exist_ok=True)
        deps = tomllib.loads(dependencies.text)["dependencies"]
        lines = [
            "[package]", f'name = "{name}"', 'version = "0.0.0"', 'edition = "2024"', "publish = false",
            "", "[dependencies]",
        ]
        for dep, spec in deps.items():
            spec = {"version": spec} if isinstance(spec, str) else dict(spec)
            package = spec.get("package", dep)
            if package in WORKSPACE_CRATES:
                spec["path"] = str(self.tree / WORKSPACE_CRATES[package])
            lines.append(f"{dep} = {toml_value(spec)}")
        lines += ["", "[workspace]", ""]
        (crate / "Cargo.toml").write_text("\n".join(lines), encoding="utf-8")
        source = crate / "src" / "main.rs"
        if not source.exists() or source.read_text(encoding="utf-8") != b.text + "\n":
            source.write_text(b.text + "\n", encoding="utf-8")
        # The workspace's locked versions for every crate they share.
        shutil.copy2(self.tree / "Cargo.lock", crate / "Cargo.lock")
        env = dict(self.env, RUSTFLAGS="-D warnings")
        code, text = run_captured(["cargo", "build", "--quiet"], crate, env, b.where)
        if code != 0:
            raise Failure(
                f"{b.where}: the ```rust block does not compile with the dependencies at "
                f"{dependencies.where}:\n{text}"
            )
        # Run as from the terminal of the blocks before it: in the copy's root, with what they
        # exported.
        binary = self.tree / "target" / "debug" / name
        command = f". {self.env_file} && cd {self.tree} && exec {binary}"
        code, text = run_captured(["bash", "-c", command], self.tree, self.env, b.where)
        if code != 0:
            raise Failure(f"{b.where}: the ```rust program exited with {code}:\n{text}")
        self.last_output = (b.where, text)

    def compare(self, b: Block) -> None:
        assert self.last_output is not None  # check_static saw a block run before
        where, printed = self.last_output
        if normalized(printed) != normalized(b.text):
            diff = "\n".join(
                difflib.unified_diff(
                    normalized(b.text), normalized(printed), f"{b.where} (shown)", f"{where} (printed)", lineterm=""
                )
            )
            raise Failure(f"{b.where}: the output shown is not what {where} printed:\n{diff}")

    def run(self, blocks: list[Block]) -> int:
        dependencies: Block | None = None
        ran = 0
        for b in blocks:
            started = time.monotonic()
            if b.lang == "rust":
                assert dependencies is not None
                self.run_rust(b, dependencies)
                ran += 1
            elif b.marker == "run":
                self.run_shell(b)
                ran += 1
            elif b.marker == "output":
                self.compare(b)
            elif b.marker == "dependencies":
                dependencies = b
            took = time.monotonic() - started
            if took >= 10:
                print(f"  {b.where} took {took:.0f} s")
        return ran


def check(doc: str, text: str, base: Path) -> str:
    blocks = parse(doc, text)
    check_static(blocks)
    runner = Runner(doc, base)
    runner.prepare()
    ran = runner.run(blocks)
    outputs = sum(1 for b in blocks if b.marker == "output")
    elsewhere = sum(1 for b in blocks if b.marker and (b.marker.startswith("runs in") or b.marker.startswith("example")))
    return f"{doc}: {len(blocks)} blocks; {ran} run, {outputs} outputs compared, {elsewhere} run by other scripts"


# --- negative controls --------------------------------------------------------------------------


def mutate_block(text: str, blocks: list[Block], pick, change) -> str:
    """`text` with the first block `pick` selects changed by `change` (old body -> new body)."""
    lines = text.split("\n")
    for b in blocks:
        if pick(b):
            count = len(b.text.split("\n"))
            indent = re.match(r"^\s*", lines[b.line - 1]).group(0)
            body = [indent + line if line else line for line in change(b.text).split("\n")]
            lines[b.line : b.line + count] = body
            return "\n".join(lines)
    raise Failure("negative control: no block to mutate")


def negative_controls(base: Path) -> None:
    """Mutated copies of README.md must each be refused, each for its own reason."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = parse("README.md", text)
    uses_http = lambda b: b.marker == "dependencies" and re.search(r"^http\s*=", b.text, re.M)  # noqa: E731

    def first_line_changed(body: str) -> str:
        first, *rest = body.split("\n")
        return "\n".join([first + "!"] + rest)

    cases = [
        (
            "a block without its marker",
            text.replace("<!-- ci: run -->\n", "", 1),
            "has no `<!-- ci: ... -->` marker",
        ),
        (
            "a command that is not in the script named",
            mutate_block(text, blocks, lambda b: (b.marker or "").startswith("runs in "),
                         lambda body: body + "\ncargo test --workspace --no-such-flag"),
            "is not in",
        ),
        (
            "a shown output one character off",
            mutate_block(text, blocks, lambda b: b.marker == "output", first_line_changed),
            "the output shown is not what",
        ),
        (
            "a dependency the program needs, left out",
            mutate_block(text, blocks, uses_http,
                         lambda body: "\n".join(l for l in body.split("\n") if not l.startswith("http"))),
            "does not compile",
        ),
        (
            "a Rust block that does not compile",
            mutate_block(text, blocks, lambda b: b.lang == "rust",
                         lambda body: body.replace("SigningKey::new(", "SigningKey::create(", 1)),
            "does not compile",
        ),
        (
            "a Rust program that fails",
            mutate_block(text, blocks, lambda b: b.lang == "rust",
                         lambda body: body.replace("    Ok(())\n}", '    Err("mutated".into())\n}', 1)),
            "the ```rust program exited with",
        ),
    ]
    for name, mutant, reason in cases:
        if mutant == text:
            raise Failure(f"negative control `{name}`: the mutation changed nothing")
        started = time.monotonic()
        try:
            check("README.md", mutant, base)
        except Failure as e:
            if reason not in str(e):
                raise Failure(f"negative control `{name}` failed, but not with `{reason}`:\n{e}") from None
            print(f"as intended, {name} is refused ({time.monotonic() - started:.0f} s): {reason}")
            continue
        raise Failure(f"negative control `{name}`: the mutated README.md passed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--doc", action="append", help="a document to check (default: README.md, docs/cli.md)")
    parser.add_argument("--negative-controls", action="store_true", help="check that mutated READMEs are refused")
    args = parser.parse_args()
    base = target_dir().resolve() / "readme-check"
    try:
        if args.negative_controls:
            negative_controls(base)
            return 0
        for doc in args.doc or DOCS:
            started = time.monotonic()
            print(f"{doc}:")
            summary = check(doc, (ROOT / doc).read_text(encoding="utf-8"), base)
            print(f"{summary} ({time.monotonic() - started:.0f} s)")
    except Failure as e:
        print(f"readme check failed: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
