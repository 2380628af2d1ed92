"""Autoencoders and VAEs: a learned, non-linear code beside PCA; the VAE's latent plane as a map of images."""

import numpy as np
import streamlit as st

from core.embed import autoencoders as ae
from core.explore import color_spec
from core.viz.autoencoders import error_by_code_figure
from core.viz.scatter import projector_figure
from dashboard import cached, state
from dashboard.components import autoencoder as parts
from dashboard.components.hover_thumbnails import hover_thumbnails

st.title("Autoencoders and VAEs")
st.markdown(
    "An **autoencoder** is a network trained to copy its input through a narrow **code**: an encoder squeezes "
    "each image into a few numbers, a decoder rebuilds the image from them. PCA does the same with straight "
    "lines (a linear encoder and decoder); the network may bend. A **variational** autoencoder (VAE) also "
    "asks the codes to fill a Gaussian blob, so that every point of the code space decodes to a plausible image."
)
sources = list(ae.SOURCES)
state.check_url_choice(state.DATASET, sources, "the dataset")
source = st.radio("Data", sources, key=state.DATASET, bind="query-params", horizontal=True,
                  captions=[s.note for s in ae.SOURCES.values()], on_change=parts.new_source)
spec = ae.SOURCES[source]
pixels, labels, train, test = cached.ae_data(source)
data = cached.dataset(spec.dataset)
colors = color_spec(data.meta, "label")
pca_err, ae_err = cached.ae_errors(source)

st.subheader("Two numbers per image: PCA against an autoencoder")
left, right, side = st.columns([5, 5, 3])
with left:
    st.plotly_chart(projector_figure(cached.ae_pca_2d(source), colors, labels, height=420,
                                     title=f"PCA, 2 components · held-out MSE {pca_err[2]:.4f}"), key="ae_pca")
with right:
    st.plotly_chart(projector_figure(cached.ae_codes(source, "ae", 2), colors, labels, height=420,
                                     title=f"Autoencoder, 2-D code · held-out MSE {ae_err[2]:.4f}"), key="ae_codes")
with side:
    hover_thumbnails("ae_codes", cached.sprite(spec.dataset, ""), data.n)
st.caption("Each point is one image, placed by its two code numbers and coloured by its label. The autoencoder "
           "can bend, so it spreads the classes further apart and rebuilds the images better from the same two "
           "numbers. MSE: mean squared pixel error on the 20% of images kept out of training.")

st.subheader("Rebuilding images from a code of k numbers")
state.check_url_choice(state.CODE, [str(k) for k in ae.CODE_SIZES], "the code size")
code = int(st.select_slider("Code size", [str(k) for k in ae.CODE_SIZES], "8", key=state.CODE,
                            bind="query-params"))
plot, table = st.columns([3, 2])
plot.plotly_chart(error_by_code_figure(pca_err, ae_err, mark=code), key="ae_error_curve")
table.dataframe({"code size": list(pca_err), "PCA": list(pca_err.values()), "autoencoder": list(ae_err.values()),
                 "autoencoder / PCA": [a / p for a, p in zip(ae_err.values(), pca_err.values(), strict=True)]},
                hide_index=True, column_config={k: st.column_config.NumberColumn(format="%.4f")
                                                for k in ("PCA", "autoencoder", "autoencoder / PCA")})
shown = tuple(int(r) for r in test[:: max(1, len(test) // 8)][:8])
by_pca, by_ae = cached.ae_rebuilt(source, code, shown)
st.image(ae.tile(np.vstack([pixels[list(shown)], by_pca, by_ae]), spec.side, 8, pad=2), width=8 * 72,
         caption=f"held-out images (top), rebuilt by PCA (middle) and by the autoencoder (bottom) from {code} numbers")
st.caption("At small codes the network wins clearly. With more numbers PCA catches up (on MNIST the two tie at 32), "
           "and on the 320 training faces the network overfits beyond 8 numbers and PCA wins: bending only pays "
           "when there is data to learn the bend from.")

st.subheader("A VAE's latent plane, decoded")
c1, c2 = st.columns(2)
state.check_number(state.GRID, 5, 30, "the grid size", integer=True)
state.check_number(state.SPAN, 1.0, 4.0, "the span")
n = int(c1.slider("Grid", 5, 30, 20, key=state.GRID, bind="query-params", help="images per side"))
span = float(c2.slider("Span (standard deviations)", 1.0, 4.0, 3.0, 0.5, key=state.SPAN, bind="query-params"))
picked = parts.picked_point(span)
grid, plane = st.columns([1, 1])
with grid:
    st.image(cached.ae_grid(source, n, span), width="stretch",
             caption=f"the decoder's image at each point of a {n}×{n} grid over [-{span:g}, {span:g}]²")
with plane:
    parts.latent_plane(source, span, picked)
if picked is not None:
    img = cached.ae_model(source, "vae", 2).decode(np.array([picked], dtype=np.float32))
    st.image(ae.tile(img, spec.side, 1), width=180, caption=f"decoded at z = ({picked[0]:.2f}, {picked[1]:.2f})")
else:
    st.caption("Click anywhere in the plane on the right to decode that point.")

st.subheader("Walking between two images")
ids = [str(i) for i in data.ids]
state.check_url_choice(state.FROM, ids, "the first image")
state.check_url_choice(state.TO, ids, "the second image")
c1, c2 = st.columns(2)
first = c1.selectbox("From", ids, index=ids.index(parts.walk_ends(source)[0]), key=state.FROM, bind="query-params")
second = c2.selectbox("To", ids, index=ids.index(parts.walk_ends(source)[1]), key=state.TO, bind="query-params")
a, b = pixels[data.row_of(first)], pixels[data.row_of(second)]
steps = np.linspace(0, 1, 10, dtype=np.float32)[:, None]
walk = ae.interpolate(cached.ae_model(source, "vae", 2), a, b, steps=10)
st.image(ae.tile(np.vstack([walk, (1 - steps) * a + steps * b]), spec.side, 10, pad=2), width=10 * 64,
         caption="top: decoded along the straight line between their codes; bottom: the pixels cross-faded")
st.caption("In the latent plane the path passes through images the decoder knows, so every step looks like a "
           "digit (or a face); fading pixels only lays one image over the other.")

st.subheader("Train one yourself")
parts.train_panel(source)
