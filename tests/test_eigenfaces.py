"""Eigenfaces against scikit-learn's PCA, on the real ORL faces; and the lesson's other numbers."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from sklearn.decomposition import PCA

from core import datasets
from core.embed.eigenfaces import (
    Eigenfaces,
    align_face,
    compare_svd,
    identification_curve,
    nearest_people,
    split_by_shot,
)
from core.errors import InputError


@pytest.fixture(scope="module")
def faces():
    return datasets.load("faces")


@pytest.fixture(scope="module")
def model(faces):
    return Eigenfaces(n_components=60).fit(faces.vectors)


def test_matches_sklearn_pca(faces, model):
    ref = PCA(n_components=60, svd_solver="full").fit(faces.vectors.astype(np.float64))
    np.testing.assert_allclose(model.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(model.mean_, ref.mean_, atol=1e-9)
    cos = np.abs((model.components_ * ref.components_).sum(axis=1))
    assert cos[:40].min() > 0.999  # the same pictures up to sign (near-equal tail eigenvalues may rotate)
    z = model.transform(faces.vectors[:5], 10)
    np.testing.assert_allclose(np.abs(z), np.abs(ref.transform(faces.vectors[:5])[:, :10]), atol=1e-6)


def test_variance_is_sorted_and_the_first_fifty_explain_most_of_it(model):
    evr = model.explained_variance_ratio_
    assert np.all(np.diff(evr) <= 0) and evr[0] > 0.15
    assert 0.8 < evr[:50].sum() < 0.95  # faces are far from 50-dimensional, but most variance is there


def test_more_components_rebuild_a_face_better_and_all_of_them_exactly(faces, model):
    photo = faces.vectors[:1]
    errors = [float(model.reconstruction_error(photo, k)[0]) for k in (0, 5, 20, 60)]
    assert errors == sorted(errors, reverse=True) and errors[-1] < errors[0] / 2
    assert model.reconstruction_error(photo, 0)[0] == pytest.approx(np.sqrt(((photo - model.mean_) ** 2).mean()))
    exact = Eigenfaces(n_components=400).fit(faces.vectors)
    assert exact.reconstruction_error(faces.vectors[:3]).max() < 1e-6  # 400 photos span their own space


def test_randomized_svd_finds_the_same_eigenfaces(faces):
    cmp = compare_svd(faces.vectors, n_components=50, repeat=1)
    assert cmp.component_similarity[:20].min() > 0.99
    assert 0 <= cmp.error_gap < 0.01  # within 1 % of the exact reconstruction error
    assert cmp.full_seconds > 0 and cmp.randomized_seconds > 0


def test_identification_improves_with_components_on_held_out_photos(faces):
    curve = identification_curve(faces.vectors, faces.labels, faces.meta["shot"], ks=(1, 5, 20, 50))
    assert list(curve) == [1, 5, 20, 50]
    assert curve[1] < 0.3 < curve[5] and curve[20] >= 0.9 and curve[50] >= curve[20] - 0.05
    train, test = split_by_shot(faces.meta["shot"])
    assert len(test) == 80 and len(train) == 320 and not set(train) & set(test)


def test_a_photo_finds_its_own_person(faces, model):
    rows, dist = nearest_people(model, faces.vectors[12], faces.vectors, faces.labels, k=30, top=3)
    assert rows[0] == 12 and dist[0] == pytest.approx(0, abs=1e-9)
    assert faces.labels[rows[1]] == faces.labels[12]


def test_align_face_reads_bytes_and_arrays_to_the_dataset_format(faces):
    big = Image.fromarray(faces.images[3]).resize((192, 192))  # a larger photo of the same face
    buf = io.BytesIO()
    big.convert("RGB").save(buf, format="PNG")
    aligned = align_face(buf.getvalue())
    assert aligned.shape == (4096,) and 0 <= aligned.min() and aligned.max() <= 1
    assert np.corrcoef(aligned, faces.vectors[3])[0, 1] > 0.98
    tall = align_face(np.asarray(Image.fromarray(faces.images[3]).resize((64, 96))))  # centre-cropped to square
    assert tall.shape == (4096,)
    np.testing.assert_allclose(align_face(faces.images[3]), faces.vectors[3], atol=1e-6)
    with pytest.raises(InputError, match="cannot be read as an image"):
        align_face(b"not an image")


@pytest.mark.parametrize("kwargs, match", [
    ({"n_components": 0}, r"n_components=0 must be a whole number between 1 and min\(n_photos, n_pixels\)=400"),
    ({"n_components": 401}, "between 1 and"),
    ({"svd": "arpack"}, "svd='arpack' is not known; choose one of full, randomized"),
])
def test_bad_parameters_name_themselves(faces, kwargs, match):
    with pytest.raises(InputError, match=match):
        Eigenfaces(**kwargs).fit(faces.vectors)


def test_bad_inputs_are_explained(faces, model):
    with pytest.raises(InputError, match="NaN"):
        Eigenfaces(5).fit(np.full((4, 16), np.nan))
    with pytest.raises(InputError, match="4096 pixels .* got 100: resize it first"):
        model.transform(np.zeros(100))
    with pytest.raises(InputError, match="k=61 must be a whole number from 0 to the 60 fitted components"):
        model.reconstruct(faces.vectors[:1], 61)
    with pytest.raises(InputError, match="test_shots"):
        split_by_shot(faces.meta["shot"], test_shots=(11,))


def test_cli_reports_variance_and_identification(capsys):
    import json

    from core.cli import main

    assert main(["eigenfaces", "--components", "20", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ref = PCA(n_components=20, svd_solver="full").fit(datasets.load("faces").vectors.astype(np.float64))
    assert out["explained_variance"] == pytest.approx(ref.explained_variance_ratio_.sum(), rel=1e-6)
    assert len(out["explained_variance_ratio"]) == 20 and 0.9 <= out["identification_accuracy"] <= 1
    assert main(["eigenfaces", "--components", "0"]) == 2
    assert "n_components=0 must be a whole number between 1" in capsys.readouterr().err
    assert main(["eigenfaces", "--components", "400"]) == 2  # only 320 photos train the identification
    assert "more components than the 320 training photos allow" in capsys.readouterr().err
