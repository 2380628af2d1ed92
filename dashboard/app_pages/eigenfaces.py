"""Eigenfaces: PCA of 400 face photos by SVD: the mean face, the eigenfaces, rebuilding a face, naming people."""

import numpy as np
import streamlit as st

from core.embed.eigenfaces import align_face, as_images, nearest_people
from core.errors import EmbedLabError
from core.explore import color_spec
from core.viz.curves import accuracy_figure, cumulative_variance_figure
from core.viz.scatter import projector_figure
from dashboard import cached, state
from dashboard.components.hover_thumbnails import hover_thumbnails

st.title("Eigenfaces")
st.markdown(
    "Every photo here is 64×64 = 4,096 numbers. **PCA** finds the directions in which the 400 photos of 40 "
    "people (the ORL/Olivetti faces) differ most: centre them on the **mean face**, take the SVD, and the top "
    "right-singular vectors are the **eigenfaces**. Any face is then the mean plus a weighted sum of eigenfaces, "
    "and its weights are a short description of it: enough to rebuild the face, and to tell people apart."
)
faces, model = cached.dataset("faces"), cached.eigenfaces()
evr = model.explained_variance_ratio_

st.subheader("The mean face and the eigenfaces")
state.check_number(state.EIGEN_SHOWN, 4, 40, "the number of eigenfaces shown", integer=True)
shown = int(st.slider("Eigenfaces shown", 4, 40, 12, key=state.EIGEN_SHOWN, bind="query-params"))
pictures = as_images(np.vstack([model.mean_, model.components_[:shown]]), stretch=True)
st.image(list(pictures), width=88, caption=["mean face"] + [f"#{i + 1} · {evr[i]:.1%}" for i in range(shown)])
st.caption("Eigenfaces have negative pixels too; each is stretched to black..white here. The percentage is "
           "the share of all variance along that eigenface.")

st.subheader("Rebuilding a face from k eigenfaces")
ids = list(faces.ids)
state.check_url_choice(state.FACE, ids, "the photo")
left, right = st.columns([1, 2])
with left:
    face = st.selectbox("Photo", ids, index=ids.index("s1/1"), key=state.FACE, bind="query-params")
    state.check_number(state.K, 0, cached.EIGEN_MAX, "k", integer=True)
    k = int(st.slider("Components k", 0, cached.EIGEN_MAX, 20, key=state.K, bind="query-params"))
row = faces.row_of(face)
photo = faces.vectors[row]
rebuilt = model.reconstruct(photo, k)[0]
error = float(model.reconstruction_error(photo, k)[0])
with right:
    st.image([as_images(photo)[0], as_images(rebuilt)[0], as_images(photo - rebuilt, stretch=True)[0]], width=150,
             caption=[f"{faces.labels[row]} (photo {face})", f"mean + {k} eigenfaces", "what is left (stretched)"])
a, b = st.columns(2)
a.metric("RMS pixel error", f"{error:.4f}", help="Root-mean-square difference, pixel values 0..1.")
b.metric(f"variance in {k} components", f"{evr[:k].sum():.1%}" if k else "0%")
st.plotly_chart(cumulative_variance_figure(evr, mark=k or None), key="eigen_cumulative")

st.subheader("Full against randomized SVD")
cmp = cached.svd_comparison(50)
c1, c2, c3 = st.columns(3)
c1.metric("full SVD (50 components)", f"{cmp.full_seconds * 1000:.0f} ms")
c2.metric("randomized SVD", f"{cmp.randomized_seconds * 1000:.0f} ms", f"{cmp.speedup:.1f}× faster",
          delta_color="off")
c3.metric("extra reconstruction error", f"{cmp.error_gap:.2%}")
st.caption(f"The randomized SVD (Halko et al. 2011) multiplies the photos by a few random vectors and only then "
           f"decomposes: it finds the same top eigenfaces (|cos| ≥ {cmp.component_similarity[:20].min():.3f} for "
           "the first 20) at a fraction of the cost. Timed live, best of 3.")

st.subheader("The faces in the plane of two eigenfaces")
top = cached.EIGEN_MAX
c1, c2 = st.columns(2)
state.check_number(state.PC_X, 1, top, "the x component", integer=True)
state.check_number(state.PC_Y, 1, top, "the y component", integer=True)
px = int(c1.number_input("Eigenface on x", 1, top, 1, key=state.PC_X, bind="query-params"))
py = int(c2.number_input("Eigenface on y", 1, top, 2, key=state.PC_Y, bind="query-params"))
coords = model.transform(faces.vectors)[:, [px - 1, py - 1]].astype(np.float32)
plane, side = st.columns([3, 1])
with plane:
    st.plotly_chart(projector_figure(coords, color_spec(faces.meta, "label"), faces.labels, size=7, height=520),
                    key="faces_plane")
with side:
    hover_thumbnails("faces_plane", cached.sprite("faces", ""), faces.n)
    st.caption("Each colour is one person. The first eigenfaces mostly capture lighting and pose, so the "
               "people overlap; try later pairs.")

st.subheader("How few components tell people apart?")
curve = cached.identification()
st.plotly_chart(accuracy_figure(curve, mark=k or None), key="eigen_accuracy")
st.caption("Eigenfaces fitted on shots 1–8 of each person; each of the 80 held-out photos (shots 9–10) is named "
           "after its nearest training photo in the space of the first k eigenfaces (1-nearest neighbour). "
           f"With 20 components: {curve[20]:.0%}; with 50: {curve[50]:.0%}.")

st.subheader("Project your own photo")
upload = st.file_uploader("A face photo (PNG or JPEG; it is made grey, centre-cropped and resized to 64×64)",
                          type=["png", "jpg", "jpeg", "bmp", "webp"], key="eigen_upload")
if upload is not None:
    try:
        mine = align_face(upload.getvalue())
    except EmbedLabError as exc:
        st.error(str(exc))
    else:
        rows, dist = nearest_people(model, mine, faces.vectors, faces.labels, k=max(k, 1), top=5)
        st.image([as_images(mine)[0], as_images(model.reconstruct(mine, max(k, 1)))[0]]
                 + [faces.images[r] for r in rows], width=110,
                 caption=["your photo", f"rebuilt from {max(k, 1)}"]
                 + [f"{faces.labels[r]} · {d:.2f}" for r, d in zip(rows, dist, strict=True)])
        st.caption(f"The five nearest photos in the space of the first {max(k, 1)} eigenfaces (distance beside).")
