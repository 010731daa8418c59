"""A small mutation tester: does the suite notice when the code is subtly wrong?

Each *mutant* is the module with one operator changed, the way bugs are usually
small: a comparison (``<`` <-> ``<=``, ``>`` <-> ``>=``, ``==`` <-> ``!=``, ``in``
<-> ``not in``), an arithmetic or mask operator (``+`` <-> ``-``, ``*`` <-> ``/``,
``//`` -> ``/``, ``%`` -> ``//``, ``**`` -> ``*``, ``&`` <-> ``|``), a numeric
constant off by one (``n`` -> ``n + 1``), a boolean flipped (``True`` <->
``False``, ``and`` <-> ``or``), a ``not`` / ``~`` / unary minus dropped, one
element dropped from a literal tuple, list or set of constants (a formula prefix,
a missing code). Docstrings, other strings, annotations and decorators are left
alone.

The mutants run against the tests that exercise the module (``SELECTION``), in a
copy of the repository under a temporary folder (the working tree is never
touched). The heavy imports happen once; each mutant runs in a forked child, so a
mutant costs its tests, not a Python start. A mutant is *killed* when a test
fails (or it times out), and *survives* when every test passes; a survivor is
either a missing test or an equivalent change, and the known equivalent ones
are listed with their reason in ``tools/mutation_survivors.txt``.

    python tools/mutate.py                      # every module in SELECTION
    python tools/mutate.py cxsurvey/outputs/safe_text.py --list   # mutants only
    python tools/mutate.py cxsurvey/stats/classic.py --jobs 2

Exit status: 0 when every survivor is listed as known, 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KNOWN = REPO / "tools" / "mutation_survivors.txt"

# module -> the pytest arguments that exercise it (fast files first; -x stops at
# the first failure, so a killed mutant costs little).
SELECTION: dict[str, list[str]] = {
    "cxsurvey/outputs/safe_text.py": [
        "tests/test_formula_injection.py",
        "tests/test_writer_properties.py::test_formula_prefixes_and_numbers",
    ],
    "cxsurvey/scoring/segments.py": [
        "tests/test_scoring.py",
        "tests/test_scoring_rules.py",
        "tests/test_independent.py",
        "tests/test_weighting.py",
    ],
    "cxsurvey/scoring/scales.py": [
        "tests/test_scoring.py",
        "tests/test_scoring_rules.py",
        "tests/test_reverse_scoring.py",
        "tests/test_independent.py",
        "tests/test_figures.py",
        "tests/test_choice_values.py",
        "tests/test_qualtrics_choice_text.py",
    ],
    "cxsurvey/reading/dates.py": [
        "tests/test_period_boundaries.py",
        "tests/test_date_parsing_rules.py",
        "tests/test_trends.py",
        "-k",
        "not feedback",
    ],
    "cxsurvey/reading/zones.py": ["tests/test_zones.py"],
    "cxsurvey/reading/cells.py": [
        "tests/test_cell_parsing_rules.py",
        "tests/test_codebook_one_reader.py",
        "tests/test_scoring.py",
        "tests/test_figures.py",
        "tests/test_export_formats.py",
        "tests/test_figures_reference.py",
    ],
    "cxsurvey/stats/classic.py": [
        "tests/test_stats.py",
        "tests/test_stats_edges.py",
        "tests/test_cell_intervals.py",
        "tests/test_figures.py",
        "tests/test_figures_reference.py",
        "tests/test_trends.py",
        "-k",
        "not feedback",
    ],
}

COMPARE = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}  # fmt: skip
BINARY = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult,
    ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd,
}  # fmt: skip
SYMBOL = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.Add: "+",
    ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.BitAnd: "&", ast.BitOr: "|", ast.And: "and", ast.Or: "or",
    ast.Not: "not", ast.Invert: "~", ast.USub: "-",
}  # fmt: skip


@dataclass(frozen=True)
class Mutant:
    module: str
    index: int  # position among the module's mutation points
    line: int
    end_line: int
    what: str  # e.g. "'<' -> '<='"

    @property
    def key(self) -> str:
        return f"{self.module}:{self.line}: {self.what}"


def _skipped(tree: ast.Module) -> set[int]:
    """ids of nodes never mutated: docstrings, annotations, imports."""
    skip: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        value = first.value if isinstance(first, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):  # a docstring
            mark(first)
        if isinstance(node, ast.arg | ast.AnnAssign):
            mark(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for decorator in node.decorator_list:  # @dataclass(frozen=True) and the like
                mark(decorator)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            mark(node.returns)
        if isinstance(node, ast.Import | ast.ImportFrom):
            mark(node)
    return skip


def _points(tree: ast.Module) -> list[tuple[ast.AST, str, object]]:
    """(node, description, how) for every mutation point, in source order."""
    skip = _skipped(tree)
    out: list[tuple[ast.AST, str, object]] = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in COMPARE:
                    new = COMPARE[type(op)]
                    out.append((node, f"{SYMBOL[type(op)]!r} -> {SYMBOL[new]!r}", ("cmp", i, new)))
        elif isinstance(node, ast.BinOp | ast.AugAssign) and type(node.op) in BINARY:
            new = BINARY[type(node.op)]
            out.append((node, f"{SYMBOL[type(node.op)]!r} -> {SYMBOL[new]!r}", ("bin", new)))
        elif isinstance(node, ast.BoolOp):
            new = ast.Or if isinstance(node.op, ast.And) else ast.And
            out.append((node, f"{SYMBOL[type(node.op)]!r} -> {SYMBOL[new]!r}", ("bool", new)))
        elif isinstance(node, ast.UnaryOp) and type(node.op) in (ast.Not, ast.Invert, ast.USub):
            out.append((node, f"{SYMBOL[type(node.op)]!r} dropped", ("unary",)))
        elif (
            isinstance(node, ast.Tuple | ast.List | ast.Set)
            and len(node.elts) >= 2
            and all(isinstance(e, ast.Constant) for e in node.elts)
        ):
            for i, e in enumerate(node.elts):
                out.append((node, f"element {e.value!r} dropped", ("drop", i)))
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            out.append((node, f"{node.value} -> {not node.value}", ("flip",)))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
            out.append((node, f"{node.value!r} -> {node.value + 1!r}", ("plus1",)))
    out.sort(key=lambda p: (p[0].lineno, p[0].col_offset, p[1]))
    return out


def mutants(module: str, source: str | None = None) -> list[Mutant]:
    tree = ast.parse((REPO / module).read_text() if source is None else source)
    return [
        Mutant(module, i, n.lineno, n.end_lineno or n.lineno, what)
        for i, (n, what, _) in enumerate(_points(tree))
    ]


class _Unary(ast.NodeTransformer):
    def __init__(self, target: ast.AST):
        self.target = target

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        return node.operand if node is self.target else node


def mutated_source(module: str, index: int, source: str | None = None) -> str:
    tree = ast.parse((REPO / module).read_text() if source is None else source)
    node, _, how = _points(tree)[index]
    kind = how[0]
    if kind == "cmp":
        node.ops[how[1]] = how[2]()
    elif kind in ("bin", "bool"):
        node.op = how[1]()
    elif kind == "flip":
        node.value = not node.value
    elif kind == "plus1":
        node.value = node.value + 1
    elif kind == "drop":
        del node.elts[how[1]]
    elif kind == "unary":
        tree = _Unary(node).visit(tree)
    return ast.unparse(ast.fix_missing_locations(tree))


def _copy_repo(dest: Path) -> None:
    for name in ("cxsurvey", "tests", "configs", "sample_data"):
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", dest / "pyproject.toml")


def _preload() -> None:
    """Import the heavy third-party libraries once, before forking."""
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # hypothesis' plugin alone costs 1 s
    for name in ("numpy", "pyarrow", "pyarrow.compute", "pyarrow.csv", "pyarrow.ipc", "pandas",
                 "scipy.stats", "yaml", "pydantic", "typer", "typer.testing", "rich",
                 "rich.console", "zoneinfo", "pytest", "_pytest.python", "_pytest.fixtures",
                 "_pytest.main", "_pytest.terminal", "_pytest.runner", "_pytest.capture",
                 "_pytest.logging", "_pytest.junitxml", "_pytest.pytester", "_pytest.doctest",
                 "_pytest.tmpdir", "_pytest.monkeypatch", "_pytest.skipping",
                 "_pytest.unittest"):  # fmt: skip
        __import__(name)


class _LineTracer:
    """A pytest plugin: which test executes which line of one file (the baseline
    run), so that each mutant runs only the tests that reach it."""

    def __init__(self, filename: str, out: Path):
        self.filename, self.out = filename, out
        self.current = "<import>"
        self.lines: dict[int, set[str]] = {}
        self.durations: dict[str, float] = {}

    def _local(self, frame, event, arg):
        if event == "line":
            self.lines.setdefault(frame.f_lineno, set()).add(self.current)
        return self._local

    def _global(self, frame, event, arg):
        if frame.f_code.co_filename == self.filename:
            self.lines.setdefault(frame.f_lineno, set()).add(self.current)
            return self._local
        return None

    def pytest_sessionstart(self, session):
        sys.settrace(self._global)

    def pytest_runtest_protocol(self, item, nextitem):
        self.current = item.nodeid
        self._start = time.monotonic()

    def pytest_runtest_logfinish(self, nodeid, location):
        self.durations[nodeid] = time.monotonic() - self._start

    def pytest_sessionfinish(self, session, exitstatus):
        sys.settrace(None)
        import json

        doc = {
            "lines": {str(k): sorted(v) for k, v in self.lines.items()},
            "durations": self.durations,
        }
        self.out.write_text(json.dumps(doc))


def _run_tests(
    work: Path, args: list[str], timeout: float, trace: tuple[str, Path] | None = None
) -> tuple[str, float]:
    """'passed', 'failed' or 'timeout' for the selected tests in ``work``, forked."""
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: a fresh import of cxsurvey from the copy
        try:
            os.chdir(work)
            sys.path.insert(0, str(work))
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import pytest

            plugins = [_LineTracer(*trace)] if trace else []
            stop = [] if trace else ["-x"]
            code = pytest.main(
                [
                    *args,
                    *stop,
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    "--assert=plain",
                    f"--basetemp={work / '.bt'}",
                ],
                plugins=plugins,
            )
            os._exit(int(code))
        except BaseException:
            os._exit(99)
    deadline = start + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout", time.monotonic() - start
        time.sleep(0.02)
    code = os.waitstatus_to_exitcode(status)
    return ("passed" if code == 0 else "failed"), time.monotonic() - start


def _patch(module_name: str, path: str, source: str) -> None:
    """Make the already imported module run ``source``: every function (and method)
    keeps its identity, so ``from x import f`` elsewhere sees the change, and gets
    the mutant's code; changed module-level values are replaced."""
    import importlib
    import types

    if module_name not in sys.modules:
        importlib.import_module(module_name)
    mod = sys.modules[module_name]
    new = types.ModuleType(module_name)
    new.__file__ = path
    exec(compile(source, path, "exec"), new.__dict__)

    def swap(old, value) -> bool:
        if isinstance(old, types.FunctionType) and isinstance(value, types.FunctionType):
            old.__code__, old.__defaults__ = value.__code__, value.__defaults__
            old.__kwdefaults__ = value.__kwdefaults__
            return True
        return False

    for name, value in new.__dict__.items():
        old = mod.__dict__.get(name)
        if name.startswith("__") or swap(old, value) or isinstance(value, types.ModuleType):
            continue
        if isinstance(value, type) and isinstance(old, type):
            for attr, v in vars(value).items():
                o = vars(old).get(attr)
                if isinstance(v, property) and isinstance(o, property):
                    swap(o.fget, v.fget)
                elif isinstance(v, staticmethod | classmethod) and type(o) is type(v):
                    swap(o.__func__, v.__func__)
                else:
                    swap(o, v)
        elif old is not value:
            mod.__dict__[name] = value


class _Worker:
    """A pytest plugin that replaces the test loop: after one collection, each
    mutant runs in a forked child that patches the module and runs its tests."""

    def __init__(self, module: str, path: str, jobs: list[tuple[str, str, list[str]]],
                 timeout: float, out: Path):  # fmt: skip
        self.module, self.path, self.jobs = module, path, jobs
        self.timeout, self.out = timeout, out

    def pytest_runtestloop(self, session):
        import json

        from _pytest.runner import runtestprotocol

        items = {item.nodeid: item for item in session.items}
        results = {}
        for key, source, nodeids in self.jobs:
            selected = [items[n] for n in nodeids if n in items]
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    _patch(self.module, self.path, source)
                    for i, item in enumerate(selected):
                        nxt = selected[i + 1] if i + 1 < len(selected) else None
                        if any(r.failed for r in runtestprotocol(item, nextitem=nxt, log=False)):
                            code = 1
                            break
                except BaseException:
                    code = 1  # the mutant broke the module or a test's machinery
                os._exit(code)
            results[key] = _wait(pid, self.timeout)
        self.out.write_text(json.dumps(results))
        return True


def _wait(pid: int, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return "passed" if os.waitstatus_to_exitcode(status) == 0 else "failed"
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.01)


def _run_worker(work: Path, module: str, jobs, timeout: float) -> dict[str, str]:
    """Collect once (in a forked child of this process), then run every job."""
    import json

    out = work / ".results.json"
    out.unlink(missing_ok=True)
    nodeids = sorted({n for _, _, ids in jobs for n in ids})
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(work)
            sys.path.insert(0, str(work))
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import pytest

            name = module.removesuffix(".py").replace("/", ".")
            worker = _Worker(name, str(work / module), jobs, timeout, out)
            pytest.main(
                [*nodeids, "-q", "-p", "no:cacheprovider", "--assert=plain",
                 f"--basetemp={work / '.bt'}"],
                plugins=[worker],
            )  # fmt: skip
            os._exit(0)
        except BaseException:
            os._exit(99)
    os.waitpid(pid, 0)
    return json.loads(out.read_text()) if out.exists() else {}


def _known() -> dict[str, str]:
    out = {}
    if KNOWN.exists():
        for line in KNOWN.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                key, _, reason = line.partition(" # ")
                out[key.strip()] = reason.strip()
    return out


def _function_bodies(source: str) -> list[tuple[int, int]]:
    """Line ranges of every function body (code that runs when called, not at import)."""
    return [
        (node.body[0].lineno, node.end_lineno or node.body[0].lineno)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        and node.body
        and not isinstance(node, ast.Lambda)
    ]


def _in_function(m: Mutant, bodies: list[tuple[int, int]]) -> bool:
    return any(lo <= m.line and m.end_line <= hi for lo, hi in bodies)


def run_module(module: str, work: Path, verbose: bool) -> tuple[int, int, list[Mutant], int]:
    """(killed, total, survivors, not reached by any test) for one module."""
    import json

    args = SELECTION[module]
    target = work / module
    original = target.read_text()
    trace_out = work / ".trace.json"
    outcome, seconds = _run_tests(work, args, 1200, (str(target), trace_out))
    if outcome != "passed":
        raise SystemExit(f"{module}: the selected tests fail on the unmutated code ({outcome})")
    traced = json.loads(trace_out.read_text())
    lines = {int(k): v for k, v in traced["lines"].items()}
    durations = traced["durations"]
    timeout = max(20.0, 4 * seconds)
    killed, survivors, unreached = 0, [], 0
    found = mutants(module, original)
    bodies = _function_bodies(original)
    everything = list(args)
    in_session, fresh = [], []  # (mutant, tests): patched in one session, or a fresh run
    for m in found:
        tests: set[str] = set()
        for line in range(m.line, m.end_line + 1):
            tests |= set(lines.get(line, ()))
        if "<import>" in tests or not _in_function(m, bodies):
            fresh.append((m, everything))  # a module-level value or a default
        elif tests:
            in_session.append((m, sorted(tests, key=lambda t: durations.get(t, 0.0))))
        else:
            unreached += 1
            survivors.append(m)
    every_test = sorted({t for _, ts in in_session for t in ts})
    jobs = [("unmutated", ast.unparse(ast.parse(original)), every_test)]
    jobs += [
        (m.key + f" #{m.index}", mutated_source(module, m.index, original), ts)
        for m, ts in in_session
    ]
    results = _run_worker(work, module, jobs, timeout)
    if results.get("unmutated") != "passed":
        raise SystemExit(f"{module}: the patched, unmutated module fails its tests ({results})")
    outcomes = [(m, results.get(m.key + f" #{m.index}", "missing")) for m, _ in in_session]
    for m, selection in fresh:
        target.write_text(mutated_source(module, m.index, original))
        outcomes.append((m, _run_tests(work, selection, timeout)[0]))
    for m, outcome in sorted(outcomes, key=lambda mo: mo[0].index):
        if outcome == "missing":
            raise SystemExit(f"{module}: no result for {m.key}")
        if outcome == "passed":
            survivors.append(m)
        else:
            killed += 1
        if verbose:
            print(f"  {outcome:8} {m.key}", flush=True)
    target.write_text(original)
    survivors.sort(key=lambda m: m.index)
    return killed, len(found), survivors, unreached


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", default=list(SELECTION))
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every mutant")
    opts = parser.parse_args(argv)
    for module in opts.modules:
        if module not in SELECTION:
            parser.error(f"{module}: no test selection; add it to SELECTION in {__file__}")
    if opts.list:
        for module in opts.modules:
            for m in mutants(module):
                print(m.key)
        return 0
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _preload()
    known = _known()
    unexplained = 0
    with tempfile.TemporaryDirectory(prefix="cxsurvey-mutants-") as tmp:
        work = Path(tmp)
        _copy_repo(work)
        total_killed = total = 0
        for module in opts.modules:
            start = time.monotonic()
            killed, n, survivors, unreached = run_module(module, work, opts.verbose)
            total_killed, total = total_killed + killed, total + n
            seconds = time.monotonic() - start
            print(
                f"{module}: {killed}/{n} killed, {unreached} reached by no test ({seconds:.0f} s)",
                flush=True,
            )
            for m in survivors:
                reason = known.get(m.key)
                unexplained += reason is None
                print(f"  survived {m.key}" + (f"  [known: {reason}]" if reason else ""))
        print(f"total: {total_killed}/{total} killed; {unexplained} unexplained survivor(s)")
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
