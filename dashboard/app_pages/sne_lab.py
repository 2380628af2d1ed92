"""The t-SNE / UMAP lab: toys with a known answer, parameter sweeps, the math of one point, real data scored."""

import streamlit as st

from core.datasets.toys import TOYS
from core.embed import sne
from core.viz import sne as figs
from dashboard import cached, state
from dashboard.components import sne_lab as lab

st.title("t-SNE and UMAP lab")
st.markdown(
    "t-SNE and UMAP draw high-dimensional data on a page by keeping **neighbours** together. They are the best "
    "maps we have of clusters, and the easiest to misread: sizes, distances between clusters and even clusters "
    "themselves can be artefacts. Start from data whose truth is known, as Distill's *How to Use t-SNE "
    "Effectively* does, then look inside the method, then score it on real data."
)

st.header("1 · Data with a known answer")
names = list(TOYS)
state.check_url_choice(state.TOY, names, "the toy data set")
c1, c2 = st.columns([1, 2])
toy_name = c1.selectbox("Toy data", names, key=state.TOY, bind="query-params")
with c2:
    sweep = lab.sweep_choice()
data = cached.toy(toy_name)
panels, chosen = lab.sweep_maps(toy_name, sweep)
truth, picture = st.columns(2)
with truth:
    fig, dims = lab.truth_figure(data)
    st.plotly_chart(fig, key="lab_truth")
    shown = "Shown as it is." if dims <= 3 else f"Shown on its first two principal components ({dims} dimensions)."
    st.caption(f"{data.n} points, seeded. {data.description} {shown}")
    st.markdown(f":material/lightbulb: **The truth:** {TOYS[toy_name].truth}.")
with picture:
    lab.big_map(data, sweep, panels, chosen)
lab.small_multiples(data, panels)

st.header("2 · Inside t-SNE: one point's neighbours")
st.markdown(
    "For point *i*, t-SNE puts a Gaussian on it in the original space, widening or narrowing it (σᵢ) until "
    "its **perplexity** (2 to the entropy of p(·|i)) is the one asked for: p(j|i) is how likely *i* would "
    "pick *j* as its neighbour. In the map, q(j|i) does the same with a heavy-tailed **Student-t** kernel. "
    "t-SNE moves the points until q matches p (it minimises the KL divergence between them)."
)
c1, c2 = st.columns(2)
with c1:
    perplexity = lab.perplexity_choice(data.n)
with c2:
    point = lab.point_choice(data)
lab.math_section(toy_name, data, perplexity, point)

st.subheader("Why a Student-t in the map: the crowding problem")
st.plotly_chart(figs.kernel_figure(), key="lab_kernels")
st.caption(f"The Student-t's heavy tail lets moderately far points sit much further apart in the map: a "
           f"distance of 3 in the data (Gaussian) gets the same similarity as {sne.matched_distance(3.0):.1f} in "
           "the map (Student-t), which opens gaps between clusters.")
left, right = st.columns([3, 2])
left.plotly_chart(figs.crowding_figure(cached.crowding()), key="lab_crowding")
right.markdown("Why the map needs that tail: spread points evenly in a ball and, in 50 dimensions, almost all of "
               "them lie near the edge, at nearly the same distance from the centre. A 2-D map has no room for "
               "that many equidistant neighbours, so with a Gaussian in the map they would be **crowded** "
               "together; the Student-t lets them spread out.")

st.subheader("The KL divergence over the iterations")
lab.kl_section(toy_name, data, perplexity)

st.header("3 · PCA, t-SNE and UMAP on real data, scored")
lab.real_section()
