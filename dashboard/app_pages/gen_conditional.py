"""The conditional GAN: ask for a digit; the latent vector keeps the style while the class changes."""

import numpy as np
import streamlit as st

from core.generate import latent
from core.viz.generate import pictures_figure
from dashboard import cached, state
from dashboard.components import gen_latent as parts

NAME, ROWS, MIX_STEPS = "mnist-cgan", 8, 11

st.title("Conditional GAN")
st.markdown(
    "A plain GAN draws whatever its random vector z gives: you cannot ask it for a 7. A **conditional** GAN "
    "(Mirza & Osindero 2014) gets the class as a second input, here as a learned code appended to z, and its "
    "discriminator sees the class too, so a 7 that does not look like a 7 is caught. The class then says **what** "
    "to draw, and z is left with everything else: the **style** (slant, thickness, size).")
gen = parts.generator(NAME)
c1, c2 = st.columns([3, 1])
digit = parts.class_picker(gen, state.GEN_CLASS, "Class", gen.classes[0], c1)
seed = parts.seed_picker(c2)

st.subheader(f"Sixteen {digit}s")
pictures = cached.gen_samples(NAME, 16, seed, 1.0, (digit,) * 16)
st.plotly_chart(pictures_figure(pictures, columns=16, tile=64), key="cgan_class")
st.caption(f"Sixteen latent vectors of seed {seed}, each asked for class {digit}.")

st.subheader("Style × class")
z = gen.noise(ROWS, seed)
k = len(gen.classes)
table = cached.gen_decode(NAME, np.repeat(z, k, axis=0), tuple(gen.classes) * ROWS)
st.plotly_chart(pictures_figure(table, columns=k, labels=[""] * len(table), column_titles=gen.classes,
                                row_titles=[f"z #{i}" for i in range(ROWS)], tile=56), key="cgan_table")
st.caption(f"{ROWS} latent vectors of seed {seed} (rows) × the {k} classes (columns). Along a row z stays the same "
           "and only the class changes: the digits share a slant, a stroke width, a size. Down a column the class "
           "stays and the style changes.")

st.subheader("Between two classes")
m1, m2 = st.columns([3, 1])
to = parts.class_picker(gen, state.GEN_CLASS_TO, "To class", gen.classes[min(1, k - 1)], m1)
state.check_number(state.GEN_STYLE, 0, ROWS - 1, "the style row", integer=True)
row = int(m2.number_input("Style (row of the table)", 0, ROWS - 1, 0, key=state.GEN_STYLE, bind="query-params"))
eye = np.eye(k, dtype=np.float32)
weights = latent.lerp(eye[gen.class_index(digit)], eye[gen.class_index(to)], MIX_STEPS)
mix = cached.gen_decode(NAME, np.repeat(z[row][None], MIX_STEPS, axis=0), weights)
share = weights[:, gen.class_index(to)]
st.plotly_chart(pictures_figure(mix, columns=MIX_STEPS, labels=[f"{w:.0%} {to}" for w in share], tile=72),
                key="cgan_mix")
st.caption(f"The same z (row {row}) with the class weights going from all {digit} to all {to}: the generator "
           "receives the weighted mean of the two class codes. Half-way pictures are drawn from codes it never saw "
           "in training.")

st.subheader("Does it draw what it is asked?")
quality = gen.meta.get("quality", {})
asked, clf = quality.get("conditional_accuracy"), quality.get("classifier_heldout_accuracy")
q1, q2 = st.columns(2)
q1.metric("drawn as asked", "–" if asked is None else f"{asked:.1%}",
          help="Share of generated digits (50 per class) that a digit classifier names as the class asked for.")
q2.metric("the classifier on real held-out digits", "–" if clf is None else f"{clf:.1%}",
          help="The same classifier (an RBF SVC trained on the training digits) on real digits no model saw.")
st.caption("From the model card (`data/models/generative/README.md`): a digit classifier read 500 generated "
           "digits, 50 asked for each class. Its accuracy on real digits no model saw says how far to trust it; "
           "generated digits can score higher, being more typical than real handwriting."
           + (" These figures were not measured for this copy of the model." if asked is None else ""))
