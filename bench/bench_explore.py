"""The Explore page: the first UMAP render of digits, and a colour change on 100k points.

Two cases (``--case``, both by default):

``first-render``
    "digits with UMAP: the first render at most 15 s on the first visit after the server starts, at
    most 1 s once cached." New interpreters, each with an EMPTY EmbedLab home (no projection cache)
    but numba's on-disk cache as ``make`` leaves it (its ``embedlab warmup`` is run first, uncounted;
    ``--no-prepare`` skips that and uses the cache as it is). The core pipeline does what the page
    does: imports, ``datasets.load("digits")``, ``embed.project(ds, "umap", dims=2)``,
    ``explore.color_spec(meta, "label")``, ``projector_figure(...)`` and ``plotly.io.to_json``, timed
    from the first import to the JSON; the cached render is the same in a new interpreter on the same
    home. Then ``streamlit.testing.v1.AppTest`` runs the real page (``dashboard/streamlit_app.py``,
    switched to Explore, ``?ds=digits&m=UMAP``) in a new interpreter: the first run (which, like the
    server, also starts the background warm-up), a rerun in the same session and a new session in the
    same process (cached in memory), and a first run in a new interpreter on the same home (cached on
    disk, server restarted). The peer: ``umap.UMAP(random_state=0).fit_transform(digits)`` in a new
    interpreter with numba's cache pointed at an EMPTY folder (what a umap-learn user pays on first
    use), then again in a new interpreter with that cache now filled.

``color-change``
    "100k points: a rerun after changing the colour column at most 1 s on the server; coordinates are
    sent as typed float32 arrays (about 4 bytes a coordinate), not JSON number lists." glove-100k, PCA
    2-D (cached on disk after the first run), two columns added to its metadata: a categorical word
    length bucket and the continuous vector norm (and its own ``label``, 100k distinct values, which
    colour_spec refuses quickly). ``color_spec`` + ``projector_figure(coords, spec, hover=labels)`` +
    ``plotly.io.to_json`` against Plotly Express ``px.scatter(..., color=col, hover_name="label",
    render_mode="webgl")`` + ``to_json`` on the same frame, alternating, first and best. The JSON is
    decoded and every trace's ``x`` / ``y`` checked: a ``{"dtype": "f4", "bdata": ...}`` typed array,
    bytes per coordinate after base64 decoding (the target: 4) and as sent (base64: ~5.33). A cProfile
    of one colour change shows where the time goes. Then AppTest (new interpreter, same home) opens
    ``?ds=glove-100k`` (uncounted) and times reruns after setting the colour selectbox.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import json
import os
import pstats
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench._common import ROOT, Report, Target, Timing, environment, log, run_python, timed

NAME = "explore"
FIRST_LIMIT_S = 15.0
CACHED_LIMIT_S = 1.0
COLOR_LIMIT_S = 1.0
BYTES_PER_COORD = 4.0
APP = str(ROOT / "dashboard" / "streamlit_app.py")
CASES = ("first-render", "color-change")

PREPARE_CODE = """
import json, time
t0 = time.perf_counter()
from core.embed.warmup import umap_module, warmup
umap_module()
from numba.core import event
with event.install_recorder("numba:compile") as rec:
    seconds = warmup()
print(json.dumps({"warmup_s": seconds, "total_s": time.perf_counter() - t0,
                  "compiles": sum(1 for _, e in rec.buffer if e.is_end)}))
"""

# What the page does on a visit, as plain core calls; timed from the first import to the JSON.
CORE_RENDER_CODE = """
import json, time
t0 = time.perf_counter()
import contextlib
import numpy as np
from core import datasets, embed, explore
from core.viz.scatter import projector_figure
import plotly.graph_objects
import plotly.io
t1 = time.perf_counter()
ds = datasets.load("digits")
t2 = time.perf_counter()
if {count_compiles}:  # a fit imports numba anyway; a cache hit does not, so it is not imported then
    import numba.core.event as event
    recorder = event.install_recorder("numba:compile")
else:
    recorder = contextlib.nullcontext()
t3 = time.perf_counter()
with recorder as rec:
    p = embed.project(ds, "umap", dims=2)
t4 = time.perf_counter()
spec = explore.color_spec(ds.meta, "label")
fig = projector_figure(p.coords, spec, np.asarray(ds.labels).astype(str), title="UMAP of digits")
t5 = time.perf_counter()
text = plotly.io.to_json(fig, validate=False)
t6 = time.perf_counter()
print(json.dumps({{"imports_s": t1 - t0, "load_s": t2 - t1, "import_numba_s": t3 - t2, "project_s": t4 - t3,
                   "cached": p.cached, "compiles": sum(1 for _, e in rec.buffer if e.is_end) if rec else None,
                   "figure_s": t5 - t4, "to_json_s": t6 - t5, "total_s": t6 - t0, "after_imports_s": t6 - t1,
                   "json_bytes": len(text)}}))
"""

PEER_CODE = """
import json, time, warnings
t0 = time.perf_counter()
warnings.simplefilter("ignore")
import umap
from sklearn.datasets import load_digits
t1 = time.perf_counter()
x = load_digits().data
t2 = time.perf_counter()
from numba.core import event
with event.install_recorder("numba:compile") as rec:
    y = umap.UMAP(random_state=0).fit_transform(x)
t3 = time.perf_counter()
print(json.dumps({"imports_s": t1 - t0, "load_s": t2 - t1, "fit_s": t3 - t2, "total_s": t3 - t0,
                  "compiles": sum(1 for _, e in rec.buffer if e.is_end), "shape": list(y.shape)}))
"""

# The real page through AppTest. The warm-up thread the app starts is joined before the cached runs
# (a server would have finished it long before anyone came back); whether it was still running is kept.
APPTEST_FIRST_CODE = """
import json, threading, time
t0 = time.perf_counter()
thread_errors = []
threading.excepthook = lambda a: thread_errors.append(f"{{a.thread.name}}: {{a.exc_type.__name__}}: {{a.exc_value}}")
if {no_warmup}:  # diagnostic: the app's background warm-up thread is never started
    _start = threading.Thread.start
    threading.Thread.start = lambda self: None if self.name.startswith("embedlab-") else _start(self)
from streamlit.testing.v1 import AppTest
t1 = time.perf_counter()

def page():
    at = AppTest.from_file({app!r}, default_timeout=300)
    at.switch_page("app_pages/explore.py")
    at.query_params["ds"] = "digits"
    at.query_params["m"] = "UMAP"
    return at

def check(at):
    problems = [str(e.value) for e in at.exception] + [str(e.value) for e in at.error]
    return {{"problems": problems, "charts": len(at.get("plotly_chart")), "title": [t.value for t in at.title],
            "method": at.segmented_control(key="m").value, "dataset": at.selectbox(key="ds").value,
            "captions": [c.value for c in at.caption if "points ·" in c.value]}}

def warm_threads():
    return [t for t in threading.enumerate() if t.name.startswith("embedlab-") and t.is_alive()]

at = page()
t2 = time.perf_counter()
at.run(timeout=300)
t3 = time.perf_counter()
out = {{"import_streamlit_s": t1 - t0, "first_run_s": t3 - t2, "from_start_s": t3 - t0, "first": check(at),
        "warmup_running_after_first": bool(warm_threads())}}
t = time.perf_counter()
for th in warm_threads():
    th.join(600)
out["waited_for_warmup_s"] = time.perf_counter() - t
reruns, sessions = [], []
for _ in range({repeat}):
    t = time.perf_counter()
    at.run(timeout=300)
    reruns.append(time.perf_counter() - t)
    other = page()
    t = time.perf_counter()
    other.run(timeout=300)
    sessions.append(time.perf_counter() - t)
out.update({{"rerun_s": reruns, "new_session_s": sessions, "rerun": check(at), "new_session": check(other)}})
import sys
numba = sys.modules.get("numba")
out["numba_jit_left_patched"] = bool(numba and any(hasattr(f, "__wrapped__") for f in (numba.jit, numba.njit)))
out["thread_errors"] = thread_errors
print(json.dumps(out))
"""

APPTEST_COLOR_CODE = """
import json, threading, time
from streamlit.testing.v1 import AppTest

at = AppTest.from_file({app!r}, default_timeout=300)
at.switch_page("app_pages/explore.py")
at.query_params["ds"] = {dataset!r}
t = time.perf_counter()
at.run(timeout=300)
out = {{"first_run_s": time.perf_counter() - t, "options": list(at.selectbox(key="c").options),
        "start_color": at.selectbox(key="c").value}}
t = time.perf_counter()
for th in [t for t in threading.enumerate() if t.name.startswith("embedlab-") and t.is_alive()]:
    th.join(600)
out["waited_for_warmup_s"] = time.perf_counter() - t
t = time.perf_counter()
at.run(timeout=300)
out["rerun_no_change_s"] = time.perf_counter() - t
changes = []
for column in {columns!r}:
    if column not in out["options"]:
        changes.append({{"column": column, "missing": True}})
        continue
    t = time.perf_counter()
    at.selectbox(key="c").set_value(column).run(timeout=300)
    seconds = time.perf_counter() - t
    changes.append({{"column": column, "seconds": seconds, "value": at.selectbox(key="c").value,
                    "problems": [str(e.value) for e in at.exception] + [str(e.value) for e in at.error],
                    "charts": len(at.get("plotly_chart")),
                    "notes": [c.value for c in at.caption if "too many" in c.value or "different values" in c.value]}})
out["changes"] = changes
print(json.dumps(out))
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of this benchmark."""
    parser.add_argument("--case", choices=CASES, action="append",
                        help="run only this case (repeatable; default: both)")
    parser.add_argument("--repeat", type=int, default=3, help="timed repeats where a best is kept (default 3)")
    parser.add_argument("--big", default="glove-100k", help="dataset of the colour-change case (default glove-100k)")
    parser.add_argument("--numba-cache", default=None,
                        help="numba's cache as `make` leaves it (default: $NUMBA_CACHE_DIR, else ~/.embedlab/numba)")
    parser.add_argument("--no-prepare", action="store_true",
                        help="do not run `make`'s UMAP warm-up into that cache first; use it as it is")
    parser.add_argument("--no-apptest", action="store_true", help="skip the AppTest runs of the real page")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile of a 100k colour change")


def run(args: argparse.Namespace) -> Report:
    """Run the chosen cases; one report with the rows and targets of both."""
    started = environment()
    cases = args.case or list(CASES)
    rows: list[dict[str, Any]] = []
    targets: list[Target] = []
    notes: list[str] = []
    details: dict[str, Any] = {"environment_at_start": started, "cases": cases}
    if "first-render" in cases:
        _first_render(args, rows, targets, notes, details)
    if "color-change" in cases:
        _color_change(args, rows, targets, notes, details)
    notes.append(f"load average at start {started['loadavg_1_5_15'][0]:.2f} on {os.cpu_count()} cores")
    return Report(NAME, "Explore page: first UMAP render of digits; colour change on 100k points",
                  ["case", "side", "seconds", "peer s", "peer / this", "JSON MB", "B/coord", "notes"],
                  rows, targets, notes, details)


# --- case 1: first render --------------------------------------------------------------------------


def _numba_cache(args: argparse.Namespace) -> Path:
    path = Path(args.numba_cache or os.environ.get("NUMBA_CACHE_DIR") or Path.home() / ".embedlab" / "numba")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _cache_entries(folder: Path, package: str | None = None) -> int:
    return sum(1 for p in folder.rglob("*.nbi") if package is None or p.parent.name.startswith(package + "_"))


def _first_render(args, rows, targets, notes, details) -> None:
    numba_dir = _numba_cache(args)
    log(f"[explore] numba cache {numba_dir}: {_cache_entries(numba_dir, 'umap')} umap / "
        f"{_cache_entries(numba_dir)} entries in all")
    prepared = None
    if not args.no_prepare:
        log("[explore] `make`'s UMAP warm-up into that cache (uncounted)")
        prepared, wall = run_python(PREPARE_CODE, env={"NUMBA_CACHE_DIR": str(numba_dir)})
        prepared["process_wall_s"] = wall
        log(f"  warm-up {prepared['warmup_s']:.1f} s, {prepared['compiles']} numba compiles")
    details["numba_cache"] = {"dir": str(numba_dir), "prepared": prepared,
                              "umap_entries": _cache_entries(numba_dir, "umap"), "entries": _cache_entries(numba_dir)}

    home = Path(tempfile.mkdtemp(prefix="bench-explore-home-"))
    empty_numba = Path(tempfile.mkdtemp(prefix="bench-explore-numba-empty-"))
    env = {"EMBEDLAB_HOME": str(home), "NUMBA_CACHE_DIR": str(numba_dir)}
    try:
        log("[explore] core pipeline, new process, empty EmbedLab home (first render)")
        first, first_wall = run_python(CORE_RENDER_CODE.format(count_compiles=True), env=env)
        if first["cached"]:
            raise RuntimeError("the first render found a cached projection; the home was not empty")
        log(f"  {first['total_s']:.2f} s (imports {first['imports_s']:.2f}, UMAP {first['project_s']:.2f} s with "
            f"{first['compiles']} numba compiles), whole process {first_wall:.2f} s")
        cached = []
        for _ in range(args.repeat):
            out, wall = run_python(CORE_RENDER_CODE.format(count_compiles=False), env=env)
            if not out["cached"]:
                raise RuntimeError("the second process did not find the projection in the cache")
            cached.append({**out, "process_wall_s": wall})
        hit = min(cached, key=lambda r: r["after_imports_s"])
        log(f"  cached: {hit['after_imports_s']:.3f} s after imports, {hit['total_s']:.2f} s with them "
            f"(best of {args.repeat})")

        log("[explore] peer: umap-learn, new process, EMPTY numba cache")
        peer, peer_wall = run_python(PEER_CODE, env={"NUMBA_CACHE_DIR": str(empty_numba)})
        log(f"  {peer['total_s']:.2f} s (fit {peer['fit_s']:.2f} s, {peer['compiles']} compiles)")
        peer2, peer2_wall = run_python(PEER_CODE, env={"NUMBA_CACHE_DIR": str(empty_numba)})
        log(f"  again, its cache now filled: {peer2['total_s']:.2f} s ({peer2['compiles']} compiles)")

        app = restart = quiet = None
        if not args.no_apptest:
            app_home = Path(tempfile.mkdtemp(prefix="bench-explore-apphome-"))
            app_env = {"EMBEDLAB_HOME": str(app_home), "NUMBA_CACHE_DIR": str(numba_dir)}
            try:
                log("[explore] AppTest of the page, new process, empty EmbedLab home")
                app, app_wall = run_python(APPTEST_FIRST_CODE.format(app=APP, repeat=args.repeat, no_warmup=False),
                                           env=app_env)
                app["process_wall_s"] = app_wall
                log(f"  first run {app['first_run_s']:.2f} s ({app['from_start_s']:.2f} s from process start); "
                    f"rerun {min(app['rerun_s']):.3f} s, new session {min(app['new_session_s']):.3f} s")
                log("[explore] AppTest, new process, same home (server restarted, projection on disk)")
                restart, restart_wall = run_python(APPTEST_FIRST_CODE.format(app=APP, repeat=1, no_warmup=False),
                                                   env=app_env)
                restart["process_wall_s"] = restart_wall
                log(f"  first run {restart['first_run_s']:.2f} s")
                log("[explore] diagnostic: AppTest first run, new empty home, WITHOUT the background warm-up")
                shutil.rmtree(app_home / "cache", ignore_errors=True)
                quiet, _ = run_python(APPTEST_FIRST_CODE.format(app=APP, repeat=1, no_warmup=True), env=app_env)
                log(f"  first run {quiet['first_run_s']:.2f} s")
            finally:
                shutil.rmtree(app_home, ignore_errors=True)
    finally:
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(empty_numba, ignore_errors=True)

    case = "digits UMAP"
    ratio = peer["total_s"] / first["total_s"]
    rows += [
        {"case": case, "side": "core: first render, new process, empty home (imports incl.)",
         "seconds": first["total_s"], "peer s": peer["total_s"], "peer / this": ratio,
         "JSON MB": first["json_bytes"] / 1e6,
         "notes": f"UMAP {first['project_s']:.2f} s ({first['compiles']} compiles); "
                  f"imports {first['imports_s']:.2f} s; process {first_wall:.1f} s"},
        {"case": case, "side": "core: cached render, new process (after imports)", "seconds": hit["after_imports_s"],
         "peer s": peer2["total_s"], "peer / this": peer2["total_s"] / hit["after_imports_s"],
         "JSON MB": hit["json_bytes"] / 1e6,
         "notes": f"project() hit {hit['project_s']:.3f} s; figure {hit['figure_s']:.3f} s; "
                  f"to_json {hit['to_json_s']:.3f} s"},
        {"case": case, "side": "core: cached render, new process (imports incl.)", "seconds": hit["total_s"],
         "peer s": peer2["total_s"], "peer / this": peer2["total_s"] / hit["total_s"],
         "notes": f"imports {hit['imports_s']:.2f} s; process {hit['process_wall_s']:.1f} s"},
        {"case": case, "side": "peer: umap-learn, new process, empty numba cache", "seconds": peer["total_s"],
         "notes": f"fit {peer['fit_s']:.2f} s, {peer['compiles']} compiles; imports {peer['imports_s']:.2f} s; "
                  f"process {peer_wall:.1f} s"},
        {"case": case, "side": "peer: umap-learn, new process, its cache filled", "seconds": peer2["total_s"],
         "notes": f"fit {peer2['fit_s']:.2f} s, {peer2['compiles']} compiles; process {peer2_wall:.1f} s"},
    ]
    targets += [
        Target("digits UMAP first render, new process, imports incl. (s)", first["total_s"], "<=", FIRST_LIMIT_S,
               "core pipeline; numba cache as make leaves it"),
        Target("digits UMAP cached render, new process, after imports (s)", hit["after_imports_s"], "<=",
               CACHED_LIMIT_S, f"with imports {hit['total_s']:.2f} s"),
    ]
    details.update({"core_first": {**first, "process_wall_s": first_wall}, "core_cached": cached,
                    "peer_first": {**peer, "process_wall_s": peer_wall},
                    "peer_second": {**peer2, "process_wall_s": peer2_wall}})
    if app is not None:
        bad = app["first"]["problems"] + app["rerun"]["problems"] + restart["first"]["problems"]
        if bad or not app["first"]["charts"] or app["first"]["method"] != "UMAP":
            notes.append(f"AppTest did not render the page as expected: {bad[:3]} "
                         f"(charts {app['first']['charts']}, method {app['first']['method']})")
        rows += [
            {"case": case, "side": "AppTest: first run, new process, empty home", "seconds": app["first_run_s"],
             "peer s": peer["total_s"], "peer / this": peer["total_s"] / app["first_run_s"],
             "notes": f"{app['from_start_s']:.2f} s from process start; warm-up thread still running after it: "
                      f"{app['warmup_running_after_first']}; {'; '.join(app['first']['captions'])}"},
            {"case": case, "side": "AppTest: rerun, same session (cached in memory)", "seconds": min(app["rerun_s"]),
             "peer s": peer2["total_s"], "peer / this": peer2["total_s"] / min(app["rerun_s"]),
             "notes": "runs " + " ".join(f"{s:.3f}" for s in app["rerun_s"])},
            {"case": case, "side": "AppTest: new session, same process (cached)", "seconds": min(app["new_session_s"]),
             "notes": "runs " + " ".join(f"{s:.3f}" for s in app["new_session_s"])},
            {"case": case, "side": "AppTest: first run after a restart (cached on disk)",
             "seconds": restart["first_run_s"],
             "notes": f"{restart['from_start_s']:.2f} s from process start; "
                      f"{'; '.join(restart['first']['captions'])}"},
            {"case": case, "side": "diagnostic: AppTest first run, empty home, no background warm-up",
             "seconds": quiet["first_run_s"], "peer s": peer["total_s"], "peer / this": peer["total_s"] /
             quiet["first_run_s"], "notes": f"{quiet['from_start_s']:.2f} s from process start; "
                                            f"{'; '.join(quiet['first']['captions'])}"},
        ]
        errors = app["thread_errors"] + restart["thread_errors"]
        notes.append(f"after the first AppTest visit: numba.jit/njit left patched with cache=True by default: "
                     f"{app['numba_jit_left_patched']}; errors in background threads: "
                     f"{'; '.join(e[:160] for e in errors) if errors else 'none'}")
        targets += [
            Target("digits UMAP first render, AppTest first run (s)", app["first_run_s"], "<=", FIRST_LIMIT_S,
                   f"{app['from_start_s']:.2f} s from process start (streamlit import incl.)"),
            Target("digits UMAP cached render, AppTest new session (s)", min(app["new_session_s"]), "<=",
                   CACHED_LIMIT_S, f"same-session rerun {min(app['rerun_s']):.3f} s; after a restart "
                                   f"{restart['first_run_s']:.2f} s"),
        ]
        details.update({"apptest": app, "apptest_restart": restart, "apptest_no_warmup": quiet})
    notes.append(f"numba cache {numba_dir}: " + ("`make`'s warm-up run first, uncounted "
                                                 f"({prepared['warmup_s']:.1f} s, {prepared['compiles']} compiles)"
                                                 if prepared else "used as it was (--no-prepare)"))
    notes.append("the core pipeline does not start the background warm-up; the AppTest run does (as the server's "
                 "first script run does), so there the two compete for the 2 cores")


# --- case 2: colour change on 100k points -------------------------------------------------------------


def _typed_arrays(text: str) -> dict[str, Any]:
    """Decode a figure's JSON; per trace, how x and y travel and their bytes per coordinate."""
    fig = json.loads(text)
    traces, coords, decoded, encoded, typed = [], 0, 0, 0, True
    for tr in fig["data"]:
        info: dict[str, Any] = {"type": tr.get("type"), "name": tr.get("name")}
        for axis in ("x", "y"):
            v = tr.get(axis)
            if isinstance(v, dict) and "bdata" in v:
                raw = base64.b64decode(v["bdata"])
                n = int(np.prod(v["shape"])) if "shape" in v else len(raw) // np.dtype(v["dtype"]).itemsize
                info[axis] = {"dtype": v["dtype"], "n": n, "decoded_bytes": len(raw), "encoded_chars": len(v["bdata"])}
                coords += n
                decoded += len(raw)
                encoded += len(v["bdata"])
                typed &= v["dtype"] == "f4"
            else:
                n = len(v) if isinstance(v, list) else 0
                chars = len(json.dumps(v))
                info[axis] = {"dtype": "JSON list", "n": n, "decoded_bytes": chars, "encoded_chars": chars}
                coords += n
                decoded += chars
                encoded += chars
                typed = False
        for key in ("customdata", "text", "hovertext"):
            v = tr.get(key)
            if v is not None:
                info[key] = v["dtype"] if isinstance(v, dict) and "dtype" in v else type(v).__name__
        traces.append(info)
    return {"traces": traces, "n_traces": len(traces), "coords": coords, "all_f4": typed and coords > 0,
            "decoded_per_coord": decoded / coords if coords else float("nan"),
            "encoded_per_coord": encoded / coords if coords else float("nan"), "json_bytes": len(text)}


def _color_change(args, rows, targets, notes, details) -> None:
    import pandas as pd
    import plotly.express as px
    import plotly.graph_objects  # noqa: F401  (a running server has these imported after its first page)
    import plotly.io as pio

    from core import datasets, embed, explore
    from core.viz.scatter import projector_figure

    load = timed(lambda: datasets.load(args.big))
    ds = load.value
    proj = timed(lambda: embed.project(ds, "pca", dims=2))
    coords = proj.value.coords
    log(f"[explore] {ds.name}: {ds.n:,} points; load {load.wall:.2f} s, PCA {proj.wall:.2f} s "
        f"({'cached' if proj.value.cached else 'fitted and cached now'})")
    meta = ds.meta.copy()
    words = meta["label"].astype(str)
    meta["length"] = pd.cut(words.str.len(), [0, 3, 5, 7, 10, 10_000],
                            labels=["1-3", "4-5", "6-7", "8-10", "11+"]).astype(str)
    meta["norm"] = np.linalg.norm(ds.vectors, axis=1).astype(np.float32)
    hover = np.asarray(ds.labels).astype(str)
    frame = pd.DataFrame({"x": coords[:, 0], "y": coords[:, 1], "label": meta["label"].astype(str),
                          "length": meta["length"], "norm": meta["norm"]})

    def core_change(column: str) -> dict[str, Any]:
        t0 = time.perf_counter()
        spec = explore.color_spec(meta, column)
        t1 = time.perf_counter()
        fig = projector_figure(coords, spec, hover)
        t2 = time.perf_counter()
        text = pio.to_json(fig, validate=False)
        t3 = time.perf_counter()
        return {"color_spec_s": t1 - t0, "figure_s": t2 - t1, "to_json_s": t3 - t2, "kind": spec.kind,
                "text": text}

    def px_change(column: str | None) -> dict[str, Any]:
        t0 = time.perf_counter()
        fig = px.scatter(frame, x="x", y="y", color=column, hover_name="label", render_mode="webgl")
        t1 = time.perf_counter()
        text = pio.to_json(fig, validate=False)
        t2 = time.perf_counter()
        return {"figure_s": t1 - t0, "to_json_s": t2 - t1, "text": text}

    log("[explore] start view: colour (none) (uncounted)")
    core_change(explore.NONE)
    columns = ["length", "norm"]
    runs: dict[str, dict[str, list[Timing]]] = {c: {"core": [], "px": []} for c in columns}
    for r in range(args.repeat):
        for column in columns:
            order = [("core", core_change), ("px", px_change)]
            for side, fn in order if r % 2 == 0 else order[::-1]:
                t = timed(lambda fn=fn, column=column: fn(column))
                runs[column][side].append(t)
                log(f"  {column:6s} {side:4s} {t.wall:.3f} s, run {r + 1}/{args.repeat}")
    label_runs = [timed(lambda: core_change("label")) for _ in range(args.repeat)]
    log(f"  label (100k distinct: refused) core {min(t.wall for t in label_runs):.3f} s")

    case = f"{args.big} colour"
    summary: dict[str, Any] = {}
    worst_first = 0.0
    for column in columns:
        core_t, px_t = runs[column]["core"], runs[column]["px"]
        b_core, b_px = min(core_t, key=lambda t: t.wall), min(px_t, key=lambda t: t.wall)
        payload, peer_payload = _typed_arrays(b_core.value["text"]), _typed_arrays(b_px.value["text"])
        worst_first = max(worst_first, core_t[0].wall)
        v = b_core.value
        rows.append({"case": case, "side": f"core → {column} ({v['kind']}), best of {args.repeat}",
                     "seconds": b_core.wall, "peer s": b_px.wall, "peer / this": b_px.wall / b_core.wall,
                     "JSON MB": payload["json_bytes"] / 1e6, "B/coord": payload["decoded_per_coord"],
                     "notes": f"first {core_t[0].wall:.3f} s; spec {v['color_spec_s']:.3f} + figure "
                              f"{v['figure_s']:.3f} + to_json {v['to_json_s']:.3f}; {payload['n_traces']} traces; "
                              f"x/y f4: {payload['all_f4']}, {payload['encoded_per_coord']:.2f} chars/coord sent"})
        rows.append({"case": case, "side": f"peer: px.scatter(color={column}, webgl), best of {args.repeat}",
                     "seconds": b_px.wall, "JSON MB": peer_payload["json_bytes"] / 1e6,
                     "B/coord": peer_payload["decoded_per_coord"],
                     "notes": f"first {px_t[0].wall:.3f} s; figure {b_px.value['figure_s']:.3f} + to_json "
                              f"{b_px.value['to_json_s']:.3f}; {peer_payload['n_traces']} traces; x/y dtype "
                              f"{sorted({tr['x']['dtype'] for tr in peer_payload['traces']})}, "
                              f"{peer_payload['encoded_per_coord']:.2f} chars/coord sent"})
        summary[column] = {
            "core_runs": [{k: x for k, x in t.value.items() if k != "text"} | {"wall": t.wall} for t in core_t],
            "px_runs": [{k: x for k, x in t.value.items() if k != "text"} | {"wall": t.wall} for t in px_t],
            "core_payload": payload, "px_payload": peer_payload}
    b_label = min(label_runs, key=lambda t: t.wall)
    label_payload = _typed_arrays(b_label.value["text"])
    rows.append({"case": case, "side": f"core → label (100k distinct → {b_label.value['kind']}), best of {args.repeat}",
                 "seconds": b_label.wall, "JSON MB": label_payload["json_bytes"] / 1e6,
                 "B/coord": label_payload["decoded_per_coord"],
                 "notes": f"first {label_runs[0].wall:.3f} s; spec {b_label.value['color_spec_s']:.3f}; "
                          "no peer (px would make one trace per word)"})
    summary["label"] = {"core_runs": [{k: x for k, x in t.value.items() if k != "text"} | {"wall": t.wall}
                                      for t in label_runs], "core_payload": label_payload}
    details["color_change"] = {"dataset": args.big, "n": int(ds.n), "load_s": load.wall, "pca_s": proj.wall,
                               "pca_cached": proj.value.cached, "columns": summary}

    categorical = summary["length"]["core_payload"]
    per_coord = max(summary[c]["core_payload"]["decoded_per_coord"] for c in summary)
    all_f4 = all(summary[c]["core_payload"]["all_f4"] for c in summary)
    targets += [
        Target(f"{args.big} colour change, core, first time, worst column (s)", worst_first, "<=", COLOR_LIMIT_S,
               "color_spec + projector_figure + to_json"),
        Target(f"{args.big} x/y bytes per coordinate (decoded)", per_coord if all_f4 else float("nan"), "<=",
               BYTES_PER_COORD, f"all x/y typed f4: {all_f4}; as sent (base64) "
                                f"{categorical['encoded_per_coord']:.2f} chars per coordinate"),
    ]

    if not args.no_profile:
        prof = cProfile.Profile()
        prof.enable()
        core_change("length")
        prof.disable()
        lines = []
        for sort in ("tottime", "cumulative"):
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats(sort).print_stats(10)
            body = buf.getvalue()
            lines.append(f"-- cProfile of one 100k colour change (→ length), top 10 by {sort}\n"
                         + body[body.find("ncalls"):].rstrip())
        details["profile"] = lines
        for block in lines:
            log(block)

    if not args.no_apptest:
        log(f"[explore] AppTest of the page on {args.big}, new process: colour changes")
        app, wall = run_python(APPTEST_COLOR_CODE.format(app=APP, dataset=args.big,
                                                         columns=["label", "frequency_rank", explore.NONE]))
        app["process_wall_s"] = wall
        details["apptest_color"] = app
        changes = [c for c in app["changes"] if not c.get("missing")]
        for c in changes:
            log(f"  → {c['column']}: {c['seconds']:.3f} s")
        rows.append({"case": case, "side": "AppTest: rerun, no change", "seconds": app["rerun_no_change_s"],
                     "notes": f"first run {app['first_run_s']:.2f} s (uncounted), colour {app['start_color']}"})
        for c in changes:
            what = {"label": "100k distinct values: colour_spec refuses, one grey trace + a note",
                    explore.NONE: "back to no colour (st.cache_data hit)"}.get(c["column"], "continuous scale")
            rows.append({"case": case, "side": f"AppTest: colour selectbox → {c['column']}", "seconds": c["seconds"],
                         "notes": what + (f"; problems: {c['problems'][:2]}" if c["problems"] else "")})
        if changes:
            worst = max(changes, key=lambda c: c["seconds"])
            targets.append(Target(f"{args.big} colour change, AppTest rerun, worst (s)", worst["seconds"], "<=",
                                  COLOR_LIMIT_S, f"worst: → {worst['column']}"))
    notes.append(f"{args.big}: columns added for the test: length (word-length bucket, 5 categories) and norm "
                 "(vector norm, continuous); glove's own label column has 100k distinct values")
    notes.append("B/coord: x/y bytes per coordinate after base64 decoding (a typed f4 array is 4); what travels "
                 "is base64 text, 4/3 of that")
