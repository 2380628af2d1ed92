"""Plotly figure builders. They read arrays and return figures; they never render or import Streamlit."""

from core.viz.scatter import projection_figure, variance_figure

__all__ = ["projection_figure", "variance_figure"]
