"""The datashader raster path: counts, orientation, colours, zoom, Plotly placement, the hover sample."""

from __future__ import annotations

import base64
import io

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from core.errors import InputError
from core.viz.raster import (
    MIN_ALPHA,
    Raster,
    add_raster,
    aggregate,
    rasterize,
    rows_in_view,
    sample_rows,
    view_ranges,
)

# A box whose pixel edges are exact binary fractions (0.5 wide), so numpy and datashader bin alike.
X_RANGE, Y_RANGE, WIDTH, HEIGHT = (0.0, 16.0), (0.0, 8.0), 32, 16


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def scattered(n=3000, seed=0) -> np.ndarray:
    """Points around and inside the box, plus some exactly on its edges and corners."""
    rng = np.random.default_rng(seed)
    xy = np.column_stack([rng.uniform(-2, 18, n), rng.uniform(-1, 9, n)])
    edges = [[0, 0], [16, 8], [16, 0], [0, 8], [16, 4], [8, 8], [16.01, 4], [-0.01, 4]]
    return np.vstack([xy, edges]).astype(np.float32)


def reference_counts(coords: np.ndarray) -> np.ndarray:
    """numpy's 2-D histogram of the box, as an image: (height, width), row 0 = largest y."""
    counts, _, _ = np.histogram2d(coords[:, 0], coords[:, 1],
                                  bins=[np.linspace(*X_RANGE, WIDTH + 1), np.linspace(*Y_RANGE, HEIGHT + 1)])
    return counts.T[::-1]


def test_counts_equal_numpy_histogram2d():
    coords = scattered()
    expected = reference_counts(coords)
    agg = aggregate(coords, X_RANGE, Y_RANGE, WIDTH, HEIGHT)
    assert agg.shape == (HEIGHT, WIDTH)
    np.testing.assert_array_equal(agg.values[::-1], expected)  # datashader's rows go bottom-up

    raster = rasterize(coords, X_RANGE, Y_RANGE, WIDTH, HEIGHT)
    assert raster.rgba.shape == (HEIGHT, WIDTH, 4) and raster.rgba.dtype == np.uint8
    in_view = rows_in_view(coords, X_RANGE, Y_RANGE)
    assert raster.n_in_view == int(expected.sum()) == int(agg.values.sum()) == len(in_view)
    assert 0 < raster.n_in_view < len(coords)
    np.testing.assert_array_equal(raster.rgba[..., 3] > 0, expected > 0)  # drawn exactly where there are points


def test_row_zero_is_the_top_of_the_view():
    coords = np.array([[0.01, 0.99], [0.02, 0.98], [0.0, 1.0]], dtype=np.float32)  # the top-left corner
    raster = rasterize(coords, (0, 1), (0, 1), width=20, height=20)
    drawn = np.argwhere(raster.rgba[..., 3] > 0)
    np.testing.assert_array_equal(drawn, [[0, 0]])

    raster = rasterize(np.array([[0.99, 0.01]], dtype=np.float32), (0, 1), (0, 1), width=20, height=20)
    np.testing.assert_array_equal(np.argwhere(raster.rgba[..., 3] > 0), [[19, 19]])  # bottom-right


def test_density_colour_rises_with_count():
    coords = np.array([[0.1, 0.5]] * 1 + [[0.5, 0.5]] * 10 + [[0.9, 0.5]] * 100, dtype=np.float32)
    raster = rasterize(coords, (0, 1), (0, 1), width=16, height=16, cmap=["#000000", "#ffffff"], how="linear")
    row = 7  # y = 0.5 starts the 9th row from the bottom of 16
    grey = [int(raster.rgba[row, col, 0]) for col in (1, 8, 14)]
    assert grey[0] == 0 < grey[1] < grey[2] == 255  # linear from the fewest (1) to the most (100)
    assert abs(grey[1] - 255 * 9 / 99) <= 2
    assert (raster.rgba[row, (1, 8, 14), 3] == 255).all()


def test_a_region_with_one_category_gets_its_palette_colour():
    rng = np.random.default_rng(1)
    left = np.column_stack([rng.uniform(0, 0.45, 500), rng.uniform(0, 1, 500)])
    right = np.column_stack([rng.uniform(0.55, 1, 500), rng.uniform(0, 1, 500)])
    coords = np.vstack([left, right]).astype(np.float32)
    codes = np.repeat([0, 1], 500)
    palette = ["#e69f00", "#0072b2"]
    raster = rasterize(coords, (0, 1), (0, 1), width=40, height=40, categories=codes, palette=palette)
    alpha = raster.rgba[..., 3]
    right_pixels = raster.rgba[:, 24:][alpha[:, 24:] > 0]
    left_pixels = raster.rgba[:, :16][alpha[:, :16] > 0]
    assert len(right_pixels) > 100 and len(left_pixels) > 100
    assert {tuple(p[:3]) for p in right_pixels} == {rgb(palette[1])}
    assert {tuple(p[:3]) for p in left_pixels} == {rgb(palette[0])}
    assert alpha[alpha > 0].min() >= MIN_ALPHA


def test_default_palette_colours_each_category_apart():
    coords = np.array([[0.1, 0.5], [0.5, 0.5], [0.9, 0.5]], dtype=np.float32)
    raster = rasterize(coords, (0, 1), (0, 1), width=16, height=16, categories=np.array([0, 1, 12]))
    colours = {tuple(raster.rgba[7, col, :3]) for col in (1, 8, 14)}
    assert len(colours) == 3 and all(raster.rgba[7, col, 3] > 0 for col in (1, 8, 14))


def test_mixed_categories_blend_and_codes_beyond_the_palette_fail():
    coords = np.array([[0.5, 0.5], [0.5, 0.5]], dtype=np.float32)
    raster = rasterize(coords, (0, 1), (0, 1), width=16, height=16, categories=np.array([0, 1]),
                       palette=["#ff0000", "#0000ff"])
    r, g, b, a = raster.rgba[7, 8]
    assert r > 0 and b > 0 and g == 0 and a > 0
    with pytest.raises(InputError, match="palette has 2 colours but categories has codes up to 2"):
        rasterize(coords, categories=np.array([0, 2]), palette=["#ff0000", "#0000ff"])


def test_continuous_values_show_the_mean_and_ignore_nan():
    coords = np.array([[1, 1], [1, 1], [3, 1], [5, 1], [5, 1], [7, 1], [9, 1]], dtype=np.float32) + 0.5
    values = np.array([0.0, np.nan, 10.0, 2.0, 8.0, 5.0, np.nan])
    raster = rasterize(coords, (0, 16), (0, 16), width=16, height=16, values=values, cmap=["#000000", "#ffffff"],
                       how="eq_hist")  # values ignore `how`: always linear
    row = 14  # y = 1.5 is the second row from the bottom of 16
    at = {x: raster.rgba[row, x] for x in (1, 3, 5, 7, 9)}
    assert tuple(at[1]) == (0, 0, 0, 255)  # mean(0, NaN) = 0, the lowest value
    assert tuple(at[3]) == (255, 255, 255, 255)  # 10, the highest
    assert abs(int(at[5][0]) - 128) <= 2 and tuple(at[5]) == tuple(at[7])  # mean(2, 8) = 5 = 5
    assert at[9][3] == 0  # only NaN: not drawn
    assert raster.n_in_view == 7


def test_zoom_ranges_restrict_the_view():
    coords = np.random.default_rng(2).normal(size=(5000, 2)).astype(np.float32)
    full = rasterize(coords, width=64, height=48)
    assert full.n_in_view == 5000
    assert full.x_range == view_ranges(coords)[0]
    zoom = rasterize(coords, (0, 1), (-0.5, 0.5), width=64, height=48)
    inside = (coords[:, 0] >= 0) & (coords[:, 0] <= 1) & (coords[:, 1] >= -0.5) & (coords[:, 1] <= 0.5)
    assert zoom.n_in_view == inside.sum() < 5000
    np.testing.assert_array_equal(rows_in_view(coords, (0, 1), (-0.5, 0.5)), np.flatnonzero(inside))
    empty = rasterize(coords, (50, 60), (50, 60), width=16, height=16)
    assert empty.n_in_view == 0 and not empty.rgba.any()


def test_view_ranges_pad_and_degenerate_extents():
    coords = np.array([[0, 10], [4, 10], [np.nan, 3e9]], dtype=np.float32)
    coords[2, 1] = np.nan
    (x0, x1), (y0, y1) = view_ranges(coords, pad=0.25)
    assert (x0, x1) == (-1.0, 5.0)
    assert y0 < 10 < y1 and np.isfinite([y0, y1]).all()
    assert view_ranges(coords, pad=0)[0] == (0.0, 4.0)
    assert view_ranges(np.full((3, 2), np.nan)) == ((-1.0, 1.0), (-1.0, 1.0))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"coords": np.zeros((5, 3))}, r"shape \(5, 3\).*dims=2"),
    ({"width": 8}, "width=8 must be a whole number of pixels between 16 and 4096"),
    ({"height": 5000}, "height=5000"),
    ({"x_range": (1.0, 1.0)}, r"x_range=\(1.0, 1.0\) must be finite with lo < hi"),
    ({"y_range": (0.0, float("nan"))}, "y_range=.*must be finite"),
    ({"categories": np.zeros(4, dtype=int)}, r"categories has shape \(4,\).*shape \(5,\)"),
    ({"categories": np.full(5, -1)}, "code -1"),
    ({"values": np.zeros(6)}, r"values has shape \(6,\).*shape \(5,\)"),
    ({"values": np.zeros(5), "categories": np.zeros(5, dtype=int)}, "categories or values, not both"),
    ({"how": "hist"}, "how='hist' is not a datashader shading; choose one of eq_hist, log, cbrt, linear"),
    ({"spread": -1}, "spread=-1 must be an integer between 0 and 16"),
    ({"cmap": ["#000000"]}, "at least 2"),
])
def test_invalid_input_says_what_and_how(kwargs, message):
    args = {"coords": np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32), **kwargs}
    with pytest.raises(InputError, match=message):
        rasterize(**args)


def test_spread_grows_each_point():
    raster = rasterize(np.array([[0.5, 0.5]], dtype=np.float32), (0, 1), (0, 1), width=17, height=17, spread=1)
    np.testing.assert_array_equal(np.argwhere(raster.rgba[..., 3] > 0)[[0, -1]], [[7, 7], [9, 9]])
    assert (raster.rgba[..., 3] > 0).sum() == 9


def test_add_raster_places_one_image_over_the_box():
    coords = np.random.default_rng(3).normal(size=(1000, 2)).astype(np.float32)
    raster = rasterize(coords, (-2, 3), (-1, 1.5), width=50, height=25)
    fig = go.Figure(go.Scattergl(x=coords[:10, 0], y=coords[:10, 1], mode="markers"))
    assert add_raster(fig, raster) is fig
    assert len(fig.layout.images) == 1
    image = fig.layout.images[0]
    assert (image.x, image.y, image.sizex, image.sizey) == (-2, 1.5, 5, 2.5)
    assert (image.xref, image.yref, image.sizing, image.layer) == ("x", "y", "stretch", "below")
    assert (image.xanchor, image.yanchor) == ("left", "top")
    assert image.source == raster.data_uri()
    assert tuple(fig.layout.xaxis.range) == (-2, 3) and fig.layout.xaxis.autorange is False
    assert tuple(fig.layout.yaxis.range) == (-1, 1.5) and fig.layout.yaxis.autorange is False
    assert len(fig.data) == 1  # the traces are left alone


def test_png_decodes_to_the_same_pixels():
    coords = np.random.default_rng(4).normal(size=(2000, 2)).astype(np.float32)
    raster = rasterize(coords, width=70, height=30)
    image = Image.open(io.BytesIO(raster.png()))
    assert image.size == (70, 30) and image.mode == "RGBA"
    np.testing.assert_array_equal(np.asarray(image), raster.rgba)
    uri = raster.data_uri()
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]) == raster.png()


def test_raster_can_be_built_by_hand():
    rgba = np.zeros((16, 16, 4), dtype=np.uint8)
    rgba[0, 0] = (1, 2, 3, 255)
    raster = Raster(rgba, (0.0, 1.0), (0.0, 1.0), 1)
    assert np.asarray(Image.open(io.BytesIO(raster.png())))[0, 0].tolist() == [1, 2, 3, 255]


def test_sample_rows_is_fixed_and_keeps_the_must_rows():
    rows = sample_rows(100_000, limit=500, seed=0)
    assert len(rows) == 500 and (np.diff(rows) > 0).all() and rows.max() < 100_000
    np.testing.assert_array_equal(rows, sample_rows(100_000, limit=500, seed=0))
    assert not np.array_equal(rows, sample_rows(100_000, limit=500, seed=1))
    must = np.array([3, 99_999, 3, int(rows[0])])
    with_must = sample_rows(100_000, limit=500, seed=0, must=must)
    assert set(must) <= set(with_must) and set(rows) <= set(with_must)  # the sample does not move
    assert len(with_must) == 502 <= 500 + len(must) and (np.diff(with_must) > 0).all()
    np.testing.assert_array_equal(sample_rows(7, limit=500), np.arange(7))
    with pytest.raises(InputError, match="outside 0..99"):
        sample_rows(100, must=np.array([100]))


def _fresh_process(code: str):
    """Run ``code`` in a new interpreter (nothing imported yet, as at server start); fail on a non-zero exit."""
    import subprocess
    import sys
    from pathlib import Path

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                         cwd=str(Path(__file__).resolve().parent.parent))
    assert out.returncode == 0, out.stderr[-2000:]
    return out


def test_datashader_survives_umap_importing_in_another_thread():
    """umap's import patches numba for a moment; datashader imported meanwhile used to fail for good
    ("cannot cache function 'append'"). A fresh process, as at server start: warm-up thread + a visitor."""
    code = (
        "import threading, numpy as np\n"
        "from core.embed.warmup import umap_module, warmup_raster\n"
        "from core.viz.raster import rasterize\n"
        "t = threading.Thread(target=umap_module); t.start()\n"
        "warmup_raster(); t.join()\n"
        "import numba; assert numba.jit.__module__ == 'numba.core.decorators', numba.jit.__module__\n"
        "print(rasterize(np.random.default_rng(0).random((500, 2)).astype('float32')).n_in_view)\n"
    )
    out = _fresh_process(code)
    assert out.stdout.strip().splitlines()[-1] == "500"


def test_threads_importing_umap_at_once_all_get_the_whole_module():
    """The server's warm-up thread and a visitor's script both ask for umap at start; the second used
    to get it half-imported ("partially initialized module 'umap' has no attribute 'UMAP'")."""
    code = (
        "import threading, time\n"
        "from core.embed.warmup import umap_module\n"
        "got = []\n"
        "def ask(delay):\n"
        "    time.sleep(delay)  # arrive while the first import is under way\n"
        "    got.append(hasattr(umap_module(), 'UMAP'))\n"
        "threads = [threading.Thread(target=ask, args=(d,)) for d in (0, 0.4, 0.8)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(got)\n"
    )
    out = _fresh_process(code)
    assert out.stdout.strip().splitlines()[-1] == "[True, True, True]"
