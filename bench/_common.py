"""Shared pieces of the benchmarks: timing, the report (table + targets), JSON output, subprocesses.

Every benchmark runs EmbedLab and its peer library in the same process run and reports the ratio;
nothing here asserts a time. A :class:`Report` prints as a table and is written to
``bench/results/<name>.json``.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
PACKAGES = ("numpy", "scipy", "scikit-learn", "openTSNE", "umap-learn", "pynndescent", "numba", "faiss-cpu")


@dataclass
class Timing:
    """Wall-clock and process CPU seconds of one call, and what it returned."""

    wall: float
    cpu: float
    value: Any = field(default=None, repr=False)


def timed(fn: Callable[[], Any]) -> Timing:
    """Run ``fn()`` once; wall time by ``perf_counter``, CPU time (all threads) by ``process_time``."""
    c0, w0 = time.process_time(), time.perf_counter()
    value = fn()
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    return Timing(wall, cpu, value)


def interleaved(sides: dict[str, Callable[[], Any]], repeat: int = 1,
                log: Callable[[str], None] | None = None) -> dict[str, list[Timing]]:
    """Time every side ``repeat`` times, alternating the order (A B, B A, ...) so drift is shared.

    Returns every timing per side, in run order; use :func:`best` to pick one.
    """
    names = list(sides)
    out: dict[str, list[Timing]] = {name: [] for name in names}
    for r in range(repeat):
        for name in names if r % 2 == 0 else names[::-1]:
            t = timed(sides[name])
            out[name].append(t)
            if log:
                log(f"  {name}: {t.wall:.2f} s (cpu {t.cpu:.2f} s), run {r + 1}/{repeat}")
    return out


def best(timings: Sequence[Timing]) -> Timing:
    """The fastest of several timings (least disturbed by other load on the machine)."""
    return min(timings, key=lambda t: t.wall)


@dataclass
class Target:
    """One goal: ``value op limit`` (``op`` is ``<=``, ``<`` or ``>=``)."""

    name: str
    value: float
    op: str
    limit: float
    note: str = ""

    @property
    def passed(self) -> bool:
        if math.isnan(self.value):
            return False
        if self.op == "<=":
            return self.value <= self.limit
        if self.op == "<":
            return self.value < self.limit
        if self.op == ">=":
            return self.value >= self.limit
        raise ValueError(f"unknown operator {self.op!r}")

    def line(self) -> str:
        status = "PASS" if self.passed else "FAIL"
        note = f"  ({self.note})" if self.note else ""
        return f"{status}  {self.name} = {fmt(self.value)} (target {self.op} {fmt(self.limit)}){note}"


@dataclass
class Report:
    """A benchmark's result: a table (one row per side), targets, notes and raw details."""

    name: str
    title: str
    columns: list[str]
    rows: list[dict[str, Any]]
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.targets)


def fmt(x: Any) -> str:
    """Short human form of a number (3 significant digits or so); anything else as ``str``."""
    if x is None:
        return ""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        if math.isnan(x):
            return "n/a"
        a = abs(x)
        if a >= 100:
            return f"{x:,.0f}"
        if a >= 10:
            return f"{x:.1f}"
        if a >= 1:
            return f"{x:.2f}"
        if a >= 0.1:
            return f"{x:.4f}"
        if a >= 0.01:
            return f"{x:.3f}"
        return f"{x:.4f}" if a >= 0.0001 else f"{x:.2e}"
    return str(x)


def table(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    """Rows as an aligned plain-text table (first column left-aligned, the rest right-aligned)."""
    cells = [[str(c) for c in columns]] + [[fmt(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]

    def line(row: list[str]) -> str:
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths, strict=True)))

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def render(report: Report) -> str:
    """The report as text: title, table, notes, one line per target."""
    parts = [f"== {report.title}", table(report.columns, report.rows)]
    parts += [f"  note: {n}" for n in report.notes]
    parts += [f"  {t.line()}" for t in report.targets]
    return "\n".join(parts)


def environment() -> dict[str, Any]:
    """Machine and library versions, and the load average (other work on the machine skews times)."""
    versions: dict[str, str | None] = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "loadavg_1_5_15": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "embedlab_home": os.environ.get("EMBEDLAB_HOME"),
        "numba_cache_dir": os.environ.get("NUMBA_CACHE_DIR"),
        "versions": versions,
    }


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if hasattr(x, "item") and getattr(x, "ndim", 1) == 0:  # numpy scalar
        return _jsonable(x.item())
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def save(report: Report) -> Path:
    """Write the report to ``bench/results/<name>.json`` (with the environment at the end); returns the path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    doc = {
        "name": report.name,
        "title": report.title,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "passed": report.passed,
        "columns": report.columns,
        "rows": report.rows,
        "targets": [{**asdict(t), "passed": t.passed} for t in report.targets],
        "notes": report.notes,
        "details": report.details,
        "environment_at_end": environment(),
    }
    path = RESULTS / f"{report.name}.json"
    path.write_text(json.dumps(_jsonable(doc), indent=2) + "\n")
    return path


def log(msg: str) -> None:
    """Progress line on stderr (the tables go to stdout)."""
    print(msg, file=sys.stderr, flush=True)


def run_python(code: str, timeout: float = 900, env: dict[str, str] | None = None) -> tuple[dict[str, Any], float]:
    """Run ``code`` in a NEW interpreter (repo root as cwd); returns its last stdout line as JSON
    and the whole subprocess wall time (interpreter start included)."""
    full_env = {**os.environ, **(env or {})}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"subprocess failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    last = [ln for ln in proc.stdout.splitlines() if ln.strip()][-1]
    return json.loads(last), wall


def glove(n: int) -> Any:
    """The ``n`` most frequent GloVe words as a Dataset (a registry size when one fits exactly)."""
    from core import datasets
    from core.datasets.builtin import GLOVE_SIZES

    for size, count in sorted(GLOVE_SIZES.items(), key=lambda kv: kv[1]):
        if n == count:
            return datasets.load(f"glove-{size}")
        if n < count:
            return datasets.load(f"glove-{size}").subset(slice(0, n), name=f"glove-first-{n}")
    raise ValueError(f"n={n} is more than the {max(GLOVE_SIZES.values()):,} GloVe words")
