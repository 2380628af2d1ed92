"""Image to image: pix2pix turns the Canny edge map of a held-out digit, or of your own sketch, back into a digit."""

import numpy as np
import streamlit as st

from core.datasets import parsers
from core.errors import EmbedLabError
from core.generate.data import sketch, to_uint8
from core.viz.gan_training import image_rows_figure
from dashboard import cached, state

NAME, STRIP = "mnist-pix2pix", 8

st.title("Image to image")
st.markdown(
    "**pix2pix** (Isola et al. 2017) learns to translate one kind of picture into another from pairs of examples. "
    "Here the input is the **edge map** of a digit (the Canny edge detector's outline) and the output the digit. "
    "The generator is a **U-Net**: an encoder squeezes the edge map down to 2×2, a decoder grows it back, and skip "
    "connections carry the fine detail across. Its discriminator is a **PatchGAN**: it looks at (edge map, digit) "
    "pairs and says, for each small patch, whether it looks real. The generator is also pulled towards the true "
    "digit by an L1 term, so it does not only look real: it looks like *this* digit.")

try:
    gen = cached.generator(NAME)
    pics = cached.gen_pictures(NAME)
    edge_maps, translated = cached.gen_translations(NAME)
except EmbedLabError as exc:
    st.error(str(exc), icon=":material/error:")
    st.stop()
truth, labels = pics["heldout"], pics["heldout_labels"]
n = len(truth)
q = gen.meta.get("quality", {})
if "translation_digit_accuracy" in q:
    ceiling = q.get("classifier_heldout_accuracy")
    st.markdown(
        f"On {q.get('n', 500):,} held-out digits the model never saw, a digit classifier reads the **same digit** in "
        f"**{q['translation_digit_accuracy']:.0%}** of the translations"
        + (f" (it reads {ceiling:.0%} of the real digits right)" if ceiling is not None else "")
        + f", and a translation's pixels are off by **{q['heldout_l1']:.3f}** on average (0 to 1 scale).")

st.subheader("A held-out digit")
state.check_number(state.HELDOUT_ROW, 0, n - 1, "the held-out digit", integer=True)
row = int(st.number_input(f"Held-out digit (0 to {n - 1})", 0, n - 1, 0, key=state.HELDOUT_ROW, bind="query-params",
                          help="One of the 20% of MNIST-5k digits kept out of training."))
one = image_rows_figure({"": np.stack([edge_maps[row], translated[row], truth[row]])},
                        ["edge map (the input)", "translation", f"real digit ({labels[row]})"], tile=128, gap=12,
                        label_width=4)
left, right = st.columns([3, 2])
left.plotly_chart(one, key="p2p_one", config={"displaylogo": False})
right.markdown(
    "The model sees only the left picture. It has to decide which side of each line is ink and how thick the "
    "stroke is: an outline does not say. Where Canny missed part of the stroke, watch the translation guess.")

shown = (row + np.arange(STRIP) * (n // STRIP)) % n  # spread over the set (its rows come grouped by digit)
st.plotly_chart(image_rows_figure({"edge map": edge_maps[shown], "translation": translated[shown],
                                   "real digit": truth[shown]}, [f"#{r} ({labels[r]})" for r in shown], tile=72),
                key="p2p_strip", config={"displaylogo": False})
st.caption(f"Eight held-out digits, every {n // STRIP}th from #{row}: their edge maps, the translations and the "
           "real digits.")

st.subheader("Your own sketch")
st.markdown("Draw a digit (dark strokes on light paper, or the reverse), photograph or save it as PNG / JPG and "
            "upload it. It is shrunk to 32×32, traced with Canny like the training inputs, and translated.")
upload = st.file_uploader("A sketch (PNG or JPG, up to 5 MB)", type=["png", "jpg", "jpeg"], key="p2p_sketch")
if upload is not None:
    try:
        picture = parsers.read_picture(upload.getvalue(), upload.name, what="sketch")
        edge = sketch(picture, gen.side)
        out = gen.translate(edge)
    except EmbedLabError as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        mine, figure = st.columns([1, 2])
        mine.image(picture, width=128, caption="your sketch")
        figure.plotly_chart(image_rows_figure({"": np.stack([to_uint8(edge)[0], out[0]])},
                                              ["its edge map", "translation"], tile=128, gap=12, label_width=4),
                            key="p2p_sketch_out", config={"displaylogo": False})
        st.caption(f"Translated your sketch ({picture.shape[1]}×{picture.shape[0]} pixels, shrunk to "
                   f"{gen.side}×{gen.side}). A sketch drawn much thicker or thinner than MNIST's pen, or not "
                   "centred, gets outlines unlike any the model saw.")
