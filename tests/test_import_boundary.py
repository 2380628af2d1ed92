"""``import core`` and its modules stay free of Streamlit and of the heavy libraries until they are used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ["streamlit", "torch", "umap", "openTSNE", "faiss", "sentence_transformers", "transformers", "numba"]


def _modules_after(code: str) -> set[str]:
    script = "\n".join([
        "import json, sys",
        code,
        'print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))',
    ])
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ}, timeout=300)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_core_modules_do_not_import_streamlit_or_heavy_libraries():
    loaded = _modules_after("import core; import core.datasets, core.embed, core.neighbors, core.metrics, core.cli")
    assert "core" in loaded and "numpy" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_rest_of_core_too():
    loaded = _modules_after(
        "import core.datasets.parsers, core.datasets.workspace, core.datasets.builtin, core.embed.cache, "
        "core.embed.projectors, core.embed.encoders, core.embed.warmup, core.device, core.paths, core.viz"
    )
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_using_the_core_never_imports_streamlit():
    loaded = _modules_after(
        "from core import datasets, embed, metrics\n"
        "from core.neighbors import NeighborIndex\n"
        "ds = datasets.load('iris')\n"
        "p = embed.project(ds, 'pca', use_cache=False)\n"
        "metrics.quality(ds.vectors, p.coords)\n"
        "NeighborIndex(ds.vectors).query_row(0, ds.vectors, 3)\n"
        "from core.viz import projection_figure\n"
        "projection_figure(p.coords, ds.labels)\n"
        "from core.cli import main\n"
        "assert main(['datasets', '--json']) == 0\n"
    )
    assert "faiss" in loaded and "plotly" in loaded  # the work really ran
    assert "streamlit" not in loaded
    assert "torch" not in loaded and "umap" not in loaded


def test_no_core_source_mentions_streamlit_imports():
    for path in (ROOT / "core").rglob("*.py"):
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith(("import streamlit", "from streamlit")):
                assert path.name == "cli.py" and line.startswith("    "), f"{path}: {line}"  # only `serve`, lazily
