"""Pieces of the t-SNE / UMAP lab: the toy and its truth, sweeps as small multiples, one point's
affinities, the KL divergence over iterations, and the three methods scored on real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.embed import sne
from core.embed.sweeps import DEFAULT_PARAMS, SWEEPS, usable_values
from core.errors import EmbedLabError
from core.explore import color_spec
from core.viz import sne as figs
from core.viz.scatter import projector_figure
from dashboard import cached, state
from dashboard.components import projector

REAL = ("digits", "mnist-5k", "faces", "iris", "wine")
DEFAULTS = {m: tuple(sorted(p.items())) for m, p in DEFAULT_PARAMS.items()}  # as Explore's cache keys
TITLES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}


def toy_colors(data):
    return color_spec(data.meta, "t" if "t" in data.meta.columns else "label")


def truth_figure(data):
    """The toy itself: as it is when it has 2 or 3 dimensions, else its first two principal components."""
    x = data.vectors
    if x.shape[1] > 3:
        from sklearn.decomposition import PCA

        x = PCA(n_components=2, random_state=0).fit_transform(x).astype(np.float32)
    fig = projector_figure(x, toy_colors(data), data.labels, size=4, height=380)
    if x.shape[1] == 3:
        fig.update_layout(scene=dict(xaxis_visible=False, yaxis_visible=False, zaxis_visible=False))
    return fig, data.vectors.shape[1]


def with_bar(text: str, fn, *args):
    """Run ``fn(*args, progress=...)`` under a progress bar that goes away afterwards."""
    bar = st.empty()
    try:
        return fn(*args, progress=lambda f: bar.progress(min(1.0, f), text=f"{text} ({f:.0%})…"))
    finally:
        bar.empty()


def _labels(name: str) -> list[str]:
    sweep = SWEEPS[name]
    return [sweep.label(v) for v in usable_values(sweep, cached.TOY_POINTS)]


def _first_look(name: str) -> str:
    sweep = SWEEPS[name]
    return sweep.label(sweep.default) if sweep.default is not None else _labels(name)[0]


def _new_sweep() -> None:
    state.reset_widgets({state.SWEEP_VALUE: _first_look(st.session_state[state.SWEEP])})


def sweep_choice() -> str:
    names = list(SWEEPS)
    state.check_url_choice(state.SWEEP, names, "the sweep")
    return st.radio("Sweep", names, key=state.SWEEP, bind="query-params", horizontal=True, on_change=_new_sweep)


def sweep_maps(toy_name: str, name: str) -> tuple[list, str]:
    """Every map of the sweep (computed once, with a progress bar) and the one the slider looks closer at."""
    panels = with_bar(f"Computing {SWEEPS[name].title}", cached.sweep, toy_name, name)
    labels = [title for title, _ in panels]
    state.check_url_choice(state.SWEEP_VALUE, labels, "the sweep value")
    first = _first_look(name)
    chosen = st.select_slider("Look closer at", labels, first if first in labels else labels[0],
                              key=state.SWEEP_VALUE, bind="query-params")
    return panels, chosen


def big_map(data, name: str, panels: list, chosen: str) -> None:
    sweep = SWEEPS[name]
    st.plotly_chart(projector_figure(dict(panels)[chosen], toy_colors(data), data.labels, size=5, height=380,
                                     title=f"{TITLES[sweep.method]}, {chosen}"), key="lab_big")
    st.markdown(sweep.lesson)


def small_multiples(data, panels: list) -> None:
    st.plotly_chart(figs.small_multiples_figure(panels, toy_colors(data), columns=6 if len(panels) > 4 else 4),
                    key="lab_multiples")
    st.caption("Every map of the sweep, computed once and cached on disk: moving the slider is instant.")


def perplexity_choice(n: int) -> float:
    values = [str(v) for v in usable_values(SWEEPS["perplexity"], n)]
    state.check_url_choice(state.PERPLEXITY, values, "the perplexity")
    return float(st.select_slider("Perplexity", values, "30", key=state.PERPLEXITY, bind="query-params"))


def point_choice(data) -> int:
    state.check_number(state.POINT, 0, data.n - 1, "the point", integer=True)
    return int(st.number_input("Point (row)", 0, data.n - 1, 0, key=state.POINT, bind="query-params"))


def math_section(toy_name: str, data, perplexity: float, i: int) -> None:
    p_cond, sigmas = cached.affinities(toy_name, perplexity)
    maps = dict(cached.sweep(toy_name, "perplexity"))
    y = maps[SWEEPS["perplexity"].label(int(perplexity))]
    q_t, q_gauss = sne.conditional_q(y, i, "t"), sne.conditional_q(y, i, "gaussian")
    c1, c2, c3 = st.columns(3)
    c1.metric(f"σ of point {i}", f"{sigmas[i]:.3g}", help="The Gaussian's width found by binary search.")
    c2.metric("its perplexity 2^H", f"{sne.row_perplexity(p_cond[i:i + 1])[0]:.2f}", help="Equals the target.")
    c3.metric("neighbours holding 90% of p(j|i)", int(np.searchsorted(np.cumsum(np.sort(p_cond[i])[::-1]), 0.9) + 1))
    st.plotly_chart(figs.affinity_figure(y, p_cond[i], q_t, i, labels=data.labels), key="lab_affinity")
    left, right = st.columns(2)
    left.plotly_chart(figs.pq_bars_figure(p_cond[i], q_t), key="lab_bars_t")
    left.caption("p(j|i) beside q(j|i) with the Student-t kernel (t-SNE), for point i's top neighbours by p.")
    right.plotly_chart(figs.pq_bars_figure(p_cond[i], q_gauss), key="lab_bars_gauss")
    right.caption("The same map read with a Gaussian kernel (SNE): its probability falls off so fast that it "
                  "cannot match p once points are spread out.")


def kl_section(toy_name: str, data, perplexity: float) -> None:
    run = with_bar("Running t-SNE and recording it", cached.trace, toy_name, perplexity)
    iters = [str(int(v)) for v in run.iterations]
    state.check_url_choice(state.SNAPSHOT, iters, "the iteration")
    at = int(st.select_slider("Iteration", iters, iters[-1], key=state.SNAPSHOT, bind="query-params"))
    snap = run.snapshots[iters.index(str(at))]
    left, right = st.columns(2)
    left.plotly_chart(projector_figure(snap, toy_colors(data), data.labels, size=4, height=380,
                                       title=f"the map at iteration {at}"), key="lab_snapshot")
    right.plotly_chart(figs.kl_figure(run, mark=at), key="lab_kl")
    exact = sne.kl_divergence(run.affinities, run.embedding)
    right.caption(f"openTSNE's KL of the final map: {run.final_kl:.4f}; computed exactly here from the same P: "
                  f"{exact:.4f}. The first {run.exaggeration_end} iterations exaggerate P (early exaggeration) so "
                  "clusters form before they spread out.")


def real_section() -> None:
    state.check_url_choice(state.DATASET, list(REAL), "the dataset")
    name = st.selectbox("Real data", REAL, key=state.DATASET, bind="query-params")
    data = cached.dataset(name)
    rows, panels = [], []
    for method, params in DEFAULTS.items():
        result = projector.compute(name, "", method, 2, params)
        if result is None:
            return
        q = cached.quality(name, "", method, 2, params)
        panels.append((f"{TITLES[method]} · trust {q.trustworthiness:.3f}", result["coords"]))
        rows.append({"method": TITLES[method], "trustworthiness": q.trustworthiness, "k-NN recall": q.knn_recall,
                     "seconds": result["seconds"]})
    try:
        colors = color_spec(data.meta, "label")
    except EmbedLabError:
        colors = None
    st.plotly_chart(figs.small_multiples_figure(panels, colors if colors is not None else data.labels, columns=3,
                                                height_per_row=360), key="lab_real")
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
        "trustworthiness": st.column_config.NumberColumn(format="%.3f"),
        "k-NN recall": st.column_config.NumberColumn(format="%.3f"),
        "seconds": st.column_config.NumberColumn("seconds to compute", format="%.1f")})
    st.caption(f"{data.n:,} points. Trustworthiness: are a point's 10 nearest neighbours in the map also near in the "
               "data? k-NN recall: what share of its 10 nearest in the data are among its 10 nearest in the map? "
               "The same defaults as the Explore page.")
