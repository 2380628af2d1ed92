"""EmbedLab compute core: datasets, projections, neighbours, metrics and figures.

Pure Python. Nothing here imports Streamlit; heavy libraries (torch, umap, openTSNE, faiss) are
imported inside the module that uses them, so ``import core`` stays cheap.
"""

import os

# OpenMP threads (openTSNE, torch, faiss) spin while they wait by default. On a small shared machine that
# spinning steals the cores other work needs: openTSNE on 500 points took 11 s instead of 0.5 s beside a
# torch training run. Passive waiting costs little when the machine is idle. Read when OpenMP loads, so set
# here, before any of those libraries is imported; a value the user set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from core.errors import EmbedLabError, InputError  # noqa: E402

__all__ = ["EmbedLabError", "InputError"]
__version__ = "0.1.0"
