"""The latent slice: a flat 2-D plane through a GAN's latent space, decoded as a grid; a click decodes any point."""

import numpy as np
import streamlit as st

from core.generate import latent
from core.viz.generate import slice_figure
from dashboard import cached, state
from dashboard.components import gen_latent as parts

CENTRES = 16

st.title("Latent slice")
st.markdown(
    "The generator's input has dozens of numbers, too many dimensions to look at. A **slice** is a flat plane "
    "through that space: take a centre (one sample's vector, or the origin, the “average” vector), draw two random "
    "directions at right angles, and decode the vectors on an evenly spaced grid of the plane. Where the pictures "
    "change smoothly from cell to cell, the generator is smooth; a sudden jump shows where it is not. The training "
    "vectors all lay on a shell around the origin: near the origin (try it as the centre) and far out, the "
    "generator meets vectors it never saw, and its pictures fade or fall apart.")
c1, c2, c3, c4, c5, c6 = st.columns(6)
name, gen = parts.model_picker(c1)
seed = parts.seed_picker(c2, "Seed of the centre")
centres = ["origin"] + [str(i) for i in range(CENTRES)]
state.check_url_choice(state.SLICE_CENTER, centres, "the centre")
centre = c3.selectbox("Centre (sample #)", centres, index=1, key=state.SLICE_CENTER, bind="query-params",
                      help="A sample of the seed (as numbered on the Samples page at ψ = 1), or the origin.")
state.check_number(state.PLANE_SEED, 0, parts.MAX_SEED, "the plane's seed", integer=True)
plane_seed = int(c4.number_input("Plane seed", 0, parts.MAX_SEED, 1, key=state.PLANE_SEED, bind="query-params",
                                 help="Draws the plane's two directions."))
state.check_number(state.EXTENT, 0.5, 10.0, "the extent")
extent = float(c5.slider("Extent", 0.5, 10.0, 4.0, 0.5, key=state.EXTENT, bind="query-params",
                         help="How far the grid reaches from the centre along each direction."))
state.check_number(state.SLICE_GRID, 5, 15, "the grid size", integer=True)
size = int(c6.slider("Grid", 5, 15, 9, key=state.SLICE_GRID, bind="query-params", help="pictures per side"))
digit = parts.class_picker(gen, state.GEN_CLASS, "Class", gen.classes[0]) if gen.spec.conditional else None
picked = parts.picked_point()

center = (np.zeros(gen.arch.z_dim, dtype=np.float32) if centre == "origin"
          else gen.noise(CENTRES, seed)[int(centre)])
vectors, xs, ys = latent.plane(center, plane_seed, size, extent)
pictures = cached.gen_decode(name, vectors, None if digit is None else (digit,) * len(vectors))
left, right = st.columns([3, 2])
with left:
    st.plotly_chart(slice_figure(pictures, xs, ys, picked), key=parts.SLICE_CHART, on_select=parts.on_slice_click,
                    selection_mode="points", config={"displaylogo": False})
    where = "the origin" if centre == "origin" else f"sample #{centre} of seed {seed}"
    st.caption(f"{size}×{size} pictures on the plane through {where}, from -{extent:g} to {extent:g} along two "
               f"directions drawn from seed {plane_seed}; the centre picture is at (0, 0). One unit is one standard "
               f"deviation of the prior; a sample's own vector is about √{gen.arch.z_dim} ≈ "
               f"{np.sqrt(gen.arch.z_dim):.0f} long.")
with right:
    if picked is None:
        st.caption("Click anywhere in the grid to decode that point, large, with its nearest training image.")
    else:
        point = latent.plane_point(center, plane_seed, *picked)
        decoded = cached.gen_decode(name, point, None if digit is None else (digit,))[0]
        st.markdown(f"**The point ({picked[0]:.2f}, {picked[1]:.2f})** · |z| = {np.linalg.norm(point):.2f}")
        parts.nearest_panel(name, gen, decoded, f"decoded at ({picked[0]:.2f}, {picked[1]:.2f})")
