"""EmbedLab compute core: datasets, projections, neighbours, metrics and figures.

Pure Python. Nothing here imports Streamlit; heavy libraries (torch, umap, openTSNE, faiss) are
imported inside the module that uses them, so ``import core`` stays cheap.
"""

from core.errors import EmbedLabError, InputError

__all__ = ["EmbedLabError", "InputError"]
__version__ = "0.1.0"
