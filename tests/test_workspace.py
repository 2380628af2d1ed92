"""The workspace: datasets saved atomically under a content id and reopened exactly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from core import datasets
from core.datasets import workspace
from core.datasets.base import Dataset, make_meta
from core.errors import InputError


def sample(seed: int = 0, n: int = 6, with_extras: bool = True) -> Dataset:
    rng = np.random.default_rng(seed)
    extra = pd.DataFrame({"colour": rng.choice(["red", "blue"], n), "year": np.arange(2000, 2000 + n),
                          "score": rng.normal(size=n), "flag": np.arange(n) % 2 == 0})
    return Dataset(
        name="sample", vectors=rng.normal(size=(n, 5)).astype(np.float32),
        meta=make_meta(n, labels=[f"w{i}" for i in range(n)], ids=[f"id-{i}" for i in range(n)], extra=extra),
        description="six random rows", credit="made up in a test",
        images=rng.integers(0, 256, size=(n, 64, 64, 3), dtype=np.uint8) if with_extras else None,
        texts=[f"text number {i}" for i in range(n)] if with_extras else None,
    )


def test_round_trip_keeps_everything(home):
    ds = sample()
    ws_id = workspace.save(ds, source="sample.parquet")
    assert workspace.ID_PATTERN.match(ws_id)
    back = workspace.load(ws_id)
    np.testing.assert_array_equal(back.vectors, ds.vectors)
    assert back.vectors.dtype == np.float32
    pd.testing.assert_frame_equal(back.meta, ds.meta, check_dtype=False)
    assert list(back.meta.columns) == ["id", "label", "colour", "year", "score", "flag"]
    assert pd.api.types.is_integer_dtype(back.meta["year"])  # numbers stay numbers
    assert pd.api.types.is_float_dtype(back.meta["score"])
    assert pd.api.types.is_bool_dtype(back.meta["flag"])
    np.testing.assert_array_equal(back.images, ds.images)
    assert back.images.dtype == np.uint8
    assert back.texts == ds.texts
    assert back.name == ws_id
    assert back.description == "six random rows" and back.credit == "made up in a test"
    assert back.content_hash() == ds.content_hash()
    assert workspace.dataset_id(back) == ws_id  # a reopened dataset saves to the same id


def test_round_trip_of_grey_images_and_no_texts(home):
    ds = datasets.load("digits").subset(slice(0, 20))
    ws_id = workspace.save(ds)
    back = workspace.load(ws_id)
    assert back.images.shape == (20, 8, 8)
    np.testing.assert_array_equal(back.images, ds.images)
    assert back.texts is None
    assert list(back.labels) == list(ds.labels)


def test_round_trip_without_images_or_texts(home):
    ds = sample(with_extras=False)
    back = workspace.load(workspace.save(ds))
    assert back.images is None and back.texts is None
    np.testing.assert_array_equal(back.vectors, ds.vectors)


def test_reopen_through_the_registry_by_id(home):
    ws_id = workspace.save(sample())
    assert workspace.exists(ws_id)
    ds = datasets.load(ws_id)
    assert ds.n == 6 and ds.dim == 5
    described = datasets.describe(ws_id)
    assert described == {"name": ws_id, "n": 6, "dim": 5, "description": "sample: six random rows",
                         "credit": "made up in a test", "source": "workspace"}
    assert described in datasets.catalog()


def test_same_content_same_id_and_different_content_different_id(home):
    a = workspace.save(sample(seed=1))
    again = workspace.save(sample(seed=1))
    assert a == again
    assert workspace.list_ids() == [a]
    b = workspace.save(sample(seed=2))
    assert b != a
    # same vectors, other labels: another dataset
    relabelled = sample(seed=1)
    relabelled.meta["label"] = [f"other{i}" for i in range(6)]
    c = workspace.save(relabelled)
    assert len({a, b, c}) == 3
    assert sorted(workspace.list_ids()) == sorted([a, b, c])


def test_the_id_does_not_depend_on_the_home(home, tmp_path, monkeypatch):
    a = workspace.save(sample(seed=3))
    monkeypatch.setenv("EMBEDLAB_HOME", str(tmp_path / "elsewhere"))
    assert workspace.save(sample(seed=3)) == a


def test_save_leaves_only_the_dataset_folder(home):
    ws_id = workspace.save(sample())
    entries = sorted(p.name for p in (home / "workspace").iterdir())
    assert entries == [ws_id]
    assert sorted(p.name for p in (home / "workspace" / ws_id).iterdir()) == ["data.parquet", "manifest.json"]
    manifest = json.loads((home / "workspace" / ws_id / "manifest.json").read_text())
    assert manifest["id"] == ws_id and manifest["n"] == 6 and manifest["dim"] == 5
    assert manifest["source"] == ""
    assert manifest["image_shape"] == [64, 64, 3]
    assert manifest["vectors_sha256"] == sample().content_hash()


def test_a_failed_write_leaves_no_temporary_folder(home, monkeypatch):
    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", crash)
    with pytest.raises(OSError, match="disk full"):
        workspace.save(sample())
    assert list((home / "workspace").iterdir()) == []
    assert workspace.list_ids() == []


def test_half_written_folders_are_not_listed(home):
    ws_id = workspace.save(sample())
    (home / "workspace" / ".tmp-0123abcd").mkdir()
    (home / "workspace" / "abcdefabcdef").mkdir()  # no manifest: not a dataset
    assert workspace.list_ids() == [ws_id]
    assert not workspace.exists("abcdefabcdef")


def test_tampered_vectors_hash_is_refused(home):
    ws_id = workspace.save(sample())
    path = home / "workspace" / ws_id / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["vectors_sha256"] = "0" * 64
    path.write_text(json.dumps(manifest))
    message = rf"dataset '{ws_id}' on disk does not match its manifest \(edited or damaged\)"
    with pytest.raises(InputError, match=message):
        workspace.load(ws_id)


def test_edited_vectors_are_refused(home):
    ds = sample(with_extras=False)
    ws_id = workspace.save(ds)
    path = home / "workspace" / ws_id / "data.parquet"
    table = pq.read_table(path).to_pandas()
    table[workspace.VECTOR] = [np.asarray(v) + 1 for v in table[workspace.VECTOR]]
    table.to_parquet(path)
    with pytest.raises(InputError, match="does not match its manifest"):
        workspace.load(ws_id)


def test_damaged_files_are_explained(home):
    ws_id = workspace.save(sample())
    (home / "workspace" / ws_id / "data.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match=rf"dataset '{ws_id}' on disk is damaged \(data.parquet cannot be read\)"):
        workspace.load(ws_id)
    (home / "workspace" / ws_id / "manifest.json").write_text("{broken")
    with pytest.raises(InputError, match=rf"dataset '{ws_id}' has a damaged manifest.json"):
        workspace.load(ws_id)
    with pytest.raises(InputError, match="damaged manifest.json"):
        datasets.describe(ws_id)


def test_another_format_version_is_refused(home):
    ws_id = workspace.save(sample())
    path = home / "workspace" / ws_id / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["format_version"] = 99
    path.write_text(json.dumps(manifest))
    with pytest.raises(InputError, match=rf"dataset '{ws_id}' was saved by another EmbedLab version"):
        workspace.load(ws_id)


def test_unknown_id(home):
    message = r"dataset '0123456789ab' is not in this workspace \(it was never uploaded here"
    with pytest.raises(InputError, match=message):
        workspace.load("0123456789ab")
    assert not workspace.exists("0123456789ab")


@pytest.mark.parametrize("bad", ["../etc", "..", "/etc/passwd", "0123456789AB", "0123456789a", "0123456789abc",
                                 "0123456789ab/../x", "", "glove-5k"])
def test_malformed_ids_never_touch_the_disk(home, bad):
    with pytest.raises(InputError, match=r"is not a workspace dataset id \(12 hex digits such as 'a1b2c3d4e5f6'\)"):
        workspace.load(bad)
    with pytest.raises(InputError, match="is not a workspace dataset id"):
        workspace.delete(bad)
    assert not workspace.exists(bad)


def test_delete(home):
    ws_id = workspace.save(sample())
    workspace.delete(ws_id)
    assert not workspace.exists(ws_id)
    assert workspace.list_ids() == []
    with pytest.raises(InputError, match="is not in this workspace"):
        workspace.load(ws_id)
