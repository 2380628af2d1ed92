"""Image similarity: a CNN's features of an image collection, "more like this", the map and its grid of thumbnails."""

import streamlit as st

from core.errors import EmbedLabError
from core.explore import color_spec
from core.represent.images import COLLECTIONS, MAX_K, more_like_this, same_label_share
from core.viz.images_grid import grid_figure, strip_figure
from core.viz.scatter import Highlights, projector_figure
from dashboard import cached, state
from dashboard.components import projector, uploads
from dashboard.components.hover_thumbnails import hover_thumbnails

MAP, GRID_CHART, METHODS = "img_map", "img_grid", ("UMAP", "PCA")
SAME = {"faces": "the same person", "digits-500": "the same digit", "mnist-1k": "the same digit",
        "mnist-5k": "the same digit"}

st.title("Image similarity")
st.markdown(
    "A convolutional network trained to name ImageNet's 1,000 kinds of object turns every picture into 1,280 "
    "numbers (**EfficientNet-Lite0**: the picture at 224×224 pixels, its last feature maps averaged). It was "
    "never shown these images, yet pictures that look alike to us get vectors that point the same way. "
    "Pick an image to see the ones whose features are closest (cosine), the whole collection as a map, and "
    "the map snapped to a grid of thumbnails."
)


def _add_upload() -> None:
    """Embed an uploaded zip under a progress bar, save it to the workspace and show it from the next run."""
    from core.datasets import parsers

    upload = st.session_state.get("img_upload")
    if upload is None:
        st.error("Choose a zip of images first.", icon=":material/error:")
        return
    saved = uploads.embed_and_save(upload.name, lambda progress: parsers.parse_image_zip(
        upload.getvalue(), upload.name, progress=progress), "images")
    if saved is not None:
        cached.image_collections.clear()
        uploads.select_next_run(state.IMAGE_SET, saved[0])
        st.rerun()


def _pick(chart: str):
    """A click on the map or the grid picks that image (its row is the point's ``customdata``)."""
    def pick() -> None:
        points = ((st.session_state.get(chart) or {}).get("selection") or {}).get("points", [])
        if points:
            row = points[-1].get("customdata")
            row = row[0] if isinstance(row, list) else row
            if row is not None:
                st.session_state[state.IMAGE] = int(row)
    return pick


names = cached.image_collections()
if uploads.take_pending(state.IMAGE_SET):
    st.session_state[state.IMAGE] = 0
state.check_url_choice(state.IMAGE_SET, names, "the image collection")
name = st.selectbox("Collection", names, key=state.IMAGE_SET, bind="query-params",
                    help="Built-in collections first, then image zips uploaded here or on Explore (by id).")
with st.expander("Upload your own images (a zip of .png / .jpg; sub-folder names become labels)"):
    st.file_uploader("Zip of images", type=["zip"], key="img_upload")
    if st.button("Add these images", key="img_add"):
        _add_upload()

try:
    data = cached.image_collection(name)
    if cached.image_features_ready(name):
        feats = cached.image_features(name)
    else:
        bar = st.progress(0.0, text=f"Encoding {data.n:,} images with EfficientNet-Lite0 (once; then on disk)…")
        feats = cached.image_features(name, progress=lambda f: bar.progress(
            min(1.0, f), text=f"Encoding {data.n:,} images with EfficientNet-Lite0 (once; then on disk)… {f:.0%}"))
        bar.empty()
except EmbedLabError as exc:
    st.error(f"{exc}.", icon=":material/error:")
    st.stop()
n, labels = data.n, data.labels.astype(str)
st.caption(COLLECTIONS[name].description if name in COLLECTIONS else f"Uploaded: {data.description}")

st.subheader("More like this")
c1, c2 = st.columns(2)
state.check_number(state.IMAGE, 0, n - 1, "the image", integer=True)
img = int(c1.number_input(f"Image (0 to {n - 1}; or click one on the map or the grid)", 0, n - 1, 0,
                          key=state.IMAGE, bind="query-params"))
top_k = min(24, MAX_K, n - 1)
state.check_number(state.K, 1, top_k, "the number of similar images", integer=True)
k = int(c2.slider("Similar images", 1, top_k, min(8, top_k), key=state.K, bind="query-params"))
rows, scores = more_like_this(feats, img, k)
st.plotly_chart(strip_figure(data.images, img, rows, scores, labels), key="img_strip", config={"displaylogo": False})
share = same_label_share(labels, img, rows)
same = SAME.get(name, "the same label (for an upload: the same sub-folder)")
st.markdown(f"**{share:.0%}** of the {k} images most like #{img} ({labels[img]}) show {same}.")
st.caption("The network was trained on objects, not on faces or digits: what it finds alike is texture, shape, "
           "pose and lighting. On faces the closest photos are often the same person, but a shared pose or "
           "pair of glasses can beat identity; on digits, thin and thick strokes can pull across classes.")

st.subheader("The collection as a map")
ws_id = cached.image_features_dataset(name)
state.check_url_choice(state.METHOD, list(METHODS), "the map method")
method = st.radio("Map of the features", METHODS, horizontal=True, key=state.METHOD, bind="query-params")
result = projector.compute(ws_id, "", method.lower(), 2, ())
if result is None:
    st.stop()
hl = Highlights(focus=img, neighbors=rows,
                neighbor_text=[f"#{r} {labels[r]} · cos {s:.3f}" for r, s in zip(rows, scores, strict=True)])
hover = [f"#{i} {lab}" for i, lab in enumerate(labels)]
left, right = st.columns([3, 1])
with left:
    st.plotly_chart(projector_figure(result["coords"], color_spec(data.meta, "label"), hover, highlights=hl, size=7,
                                     height=560), key=MAP, on_select=_pick(MAP), selection_mode="points",
                    config={"displaylogo": False})
with right:
    hover_thumbnails(MAP, cached.sprite(ws_id, ""), n)
    st.caption(f"{method} of the 1,280-d features, coloured by label. The star is the chosen image, rings its "
               f"{k} most similar. Hover for the picture; click to choose.")
st.markdown(f"[Open these features in Explore](/explore?ds={ws_id}&m={method}&pt={img}) (thumbnails on hover, "
            "neighbours, selections).")

st.subheader("The map as a grid")
shown, cells, grid_rows, grid_cols = cached.image_grid(ws_id, method.lower())
where = {int(r): p for p, r in enumerate(shown)}
st.plotly_chart(grid_figure(data.images[shown], cells, grid_rows, grid_cols, hover=[hover[r] for r in shown],
                            ids=shown, tile=40 if len(shown) <= 600 else 28, focus=where.get(img),
                            neighbors=[where[int(r)] for r in rows if int(r) in where]),
                key=GRID_CHART, on_select=_pick(GRID_CHART), selection_mode="points", config={"displaylogo": False})
note = "" if len(shown) == n else f" (an evenly spaced sample of {len(shown):,} of the {n:,} images)"
st.caption(f"Every image{note} moved to one cell of a {grid_rows}×{grid_cols} grid so that the total squared "
           "distance from the map is smallest (an optimal assignment, as IsoMatch and RasterFairy do): neighbours "
           f"on the map stay neighbours here. Orange: the chosen image; blue: its {k} most similar.")
st.caption(f"Features: {feats.shape[0]:,} × {feats.shape[1]:,} numbers, computed once and kept on disk under a hash "
           "of the pixels, so no collection is encoded twice.")
