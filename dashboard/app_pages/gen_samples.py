"""Samples and latent walks: a GAN's pictures from a seed, new or copied, truncation, interpolation and arithmetic."""

import numpy as np
import streamlit as st

from core.generate import latent
from core.viz.generate import grid_png, norm_figure, pictures_figure
from dashboard import cached, state
from dashboard.components import gen_latent as parts

SIZES, STEPS, PSIS = ["16", "36", "64"], 16, (0.0, 0.25, 0.5, 0.75, 1.0)

st.title("Samples & latent walks")
st.markdown(
    "A **GAN**'s generator turns a vector of random numbers, its **latent vector** z, into a picture. It learned "
    "that by playing against a discriminator that tried to tell its pictures from real ones. Each z drawn from the "
    "normal distribution it was trained on gives a new picture; a **seed** fixes the numbers, so a link always shows "
    "the same samples. Nearby vectors give similar pictures: we can walk from one sample to another, and even add "
    "and subtract them.")

c1, c2, c3, c4 = st.columns(4)
name, gen = parts.model_picker(c1)
seed = parts.seed_picker(c2)
state.check_url_choice(state.GEN_N, SIZES, "the number of samples")
n = int(c3.select_slider("Samples", SIZES, "36", key=state.GEN_N, bind="query-params"))
state.check_number(state.PSI, 0.0, 1.5, "the truncation ψ")
psi = float(c4.slider("Truncation ψ", 0.0, 1.5, 1.0, 0.05, key=state.PSI, bind="query-params",
                      help="Every latent vector is multiplied by ψ: below 1 the pictures get more typical and "
                           "less varied; 0 gives the one average picture."))
labels = parts.cycled_labels(gen, n)
pictures = cached.gen_samples(name, n, seed, psi, labels)
z = gen.noise(n, seed, psi)

st.subheader("Samples")
grid_col, pick_col = st.columns([3, 2])
with pick_col:
    st.markdown("**New picture or copy?**")
    state.check_number(state.GEN_PICK, 0, n - 1, "the sample looked at", integer=True)
    pick = int(st.number_input("Sample", 0, n - 1, 0, key=state.GEN_PICK, bind="query-params"))
    parts.nearest_panel(name, gen, pictures[pick], f"sample #{pick}")
    st.caption("Nearest by pixels, among the training images the model learned from.")
st.subheader("Walking from A to B")
state.check_number(state.GEN_A, 0, n - 1, "sample A", integer=True)
state.check_number(state.GEN_B, 0, n - 1, "sample B", integer=True)
state.check_number(state.GEN_C, 0, n - 1, "sample C", integer=True)
a_col, b_col, c_col, path_col = st.columns(4)
a = int(a_col.number_input("Sample A", 0, n - 1, 0, key=state.GEN_A, bind="query-params"))
b = int(b_col.number_input("Sample B", 0, n - 1, 1, key=state.GEN_B, bind="query-params"))
c = int(c_col.number_input("Sample C", 0, n - 1, 2, key=state.GEN_C, bind="query-params",
                           help="The third sample of the latent arithmetic below."))
state.check_url_choice(state.GEN_PATH, list(latent.PATHS), "the path")
path = path_col.radio("Path from A to B", list(latent.PATHS), index=1, key=state.GEN_PATH, bind="query-params",
                      horizontal=True)
with grid_col:
    st.plotly_chart(pictures_figure(pictures, labels=parts.grid_labels(n, a, b, c), highlight=[pick], tile=64),
                    key="gen_grid")
    note = " Sample i of the conditional model is asked for class i mod 10." if labels else ""
    st.caption(f"{n} samples of {name} from seed {seed} at ψ = {psi:g}; the framed one is looked at on the right."
               + note)
    png = f"{name}-seed{seed}.png"
    st.download_button("Samples as PNG", data=lambda: grid_png(pictures), file_name=png, mime="image/png",
                       on_click="ignore", icon=":material/download:", key="gen_png")
    st.caption(f"The same file from the command line: `embedlab generate --model {name} --n {n} --seed {seed} "
               f"--psi {psi!r} --out {png}`")  # repr: every digit of a linked ψ

walk = {p: latent.interpolate(z[a], z[b], STEPS, p) for p in latent.PATHS}
strip = cached.gen_decode(name, walk[path], parts.walk_labels(gen, a, b, STEPS))
st.plotly_chart(pictures_figure(strip, columns=STEPS, labels=["A"] + [""] * (STEPS - 2) + ["B"], tile=64),
                key="gen_walk")
st.caption(f"{STEPS} pictures decoded along the {path} path from sample #{a} to sample #{b}.")
left, right = st.columns([3, 2])
left.plotly_chart(norm_figure(walk, psi * np.sqrt(gen.arch.z_dim)), key="gen_norms")
right.markdown(
    f"The {gen.arch.z_dim} numbers of z are independent normals, so |z| is almost always close to "
    f"√{gen.arch.z_dim} ≈ {np.sqrt(gen.arch.z_dim):.0f} (times ψ): the samples live on a thin **shell**. The "
    "straight line from A to B cuts through the inside of that shell, where the generator never saw a vector "
    "in training, and its midpoint is about 30% shorter. The **spherical** path (slerp) follows the shell.")

st.subheader("Latent arithmetic: A − B + C")
total = latent.arithmetic(z[a], z[b], z[c])[None]
result = cached.gen_decode(name, total, parts.sum_labels(gen, a, b, c))
st.plotly_chart(pictures_figure(np.vstack([pictures[[a, b, c]], result]), columns=4, tile=96,
                                labels=[f"A (#{a})", f"− B (#{b})", f"+ C (#{c})", "= A − B + C"]),
                key="gen_arithmetic")
st.caption("What A has and B lacks, added to C. In the DCGAN paper (Radford et al. 2016) smiling woman − neutral "
           "woman + neutral man gave a smiling man, with vectors averaged over three samples each; with single "
           "samples of these small models, expect a rougher mix. The conditional model's class weights add up "
           "the same way.")

st.subheader("Truncation: the same sample, pulled toward the centre")
base = gen.noise(n, seed, 1.0)[pick]
row_labels = None if labels is None else (labels[pick],) * len(PSIS)
row = cached.gen_decode(name, np.stack([base * p for p in PSIS]), row_labels)
st.plotly_chart(pictures_figure(row, columns=len(PSIS), labels=[f"ψ = {p:g}" for p in PSIS], tile=96),
                key="gen_truncation")
st.caption(f"Sample #{pick}'s vector multiplied by ψ. At ψ = 0 every seed gives the same picture, the model's "
           "“average”; as ψ grows the picture gains its own features. Truncating the whole grid (the slider above) "
           "trades variety for cleaner, more typical pictures.")
