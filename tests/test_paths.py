"""The workspace's folder helpers: saved folders listed, manifests read, damaged ones left out."""

from __future__ import annotations

import json
import re

import pytest

from core.errors import InputError
from core.paths import read_manifest, saved_folders


def _save(root, name: str, manifest) -> None:
    (root / name).mkdir(parents=True)
    (root / name / "manifest.json").write_text(manifest if isinstance(manifest, str) else json.dumps(manifest))


def test_saved_folders_are_listed_oldest_first_and_damaged_ones_left_out(tmp_path):
    pattern = re.compile(r"^x-\d$")
    _save(tmp_path, "x-1", {"created": 20.0})
    _save(tmp_path, "x-2", {"created": 10})
    _save(tmp_path, "x-3", "{not json")  # damaged
    _save(tmp_path, "x-4", {"created": "yesterday"})  # a manifest that reads, but could not be sorted
    _save(tmp_path, "x-5", {"created": 20.0, "bad": True})  # the caller's check refuses it
    _save(tmp_path, "other", {"created": 1})  # not an id
    (tmp_path / "x-6").mkdir()  # half-written: no manifest

    def read(name: str) -> dict:
        return read_manifest(tmp_path / name, missing=f"{name} is missing", damaged=f"{name} is damaged",
                             valid=lambda m: not m.get("bad"))

    assert [name for name, _ in saved_folders(tmp_path, pattern, read)] == ["x-2", "x-1"]
    assert saved_folders(tmp_path / "nowhere", pattern, read) == []
    with pytest.raises(InputError, match="x-6 is missing"):
        read("x-6")
    with pytest.raises(InputError, match="x-3 is damaged"):
        read("x-3")
    with pytest.raises(InputError, match="x-5 is damaged"):
        read("x-5")
