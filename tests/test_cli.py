"""The `embedlab` command, in-process through ``core.cli.main`` and as a real subprocess."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import datasets
from core.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv):
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    assert err == ""
    return json.loads(out)


def assert_one_error_line(code: int, out: str, err: str, *needles: str) -> str:
    assert code == 2, (code, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def workspace_entries(home: Path) -> list[str]:
    ws = home / "workspace"
    return sorted(p.name for p in ws.iterdir()) if ws.exists() else []


# --- datasets ------------------------------------------------------------------------------------------


def test_datasets_json(capsys, home):
    rows = run_json(capsys, "datasets")
    by_name = {r["name"]: r for r in rows}
    assert {"glove-5k", "glove-20k", "digits", "mnist-5k", "faces", "iris", "wine"} <= set(by_name)
    for row in rows:
        assert {"name", "n", "dim", "description"} <= set(row)
        assert isinstance(row["n"], int) and row["n"] > 0 and isinstance(row["dim"], int) and row["dim"] > 0
        assert row["description"]
    assert (by_name["iris"]["n"], by_name["iris"]["dim"]) == (150, 4)
    assert (by_name["faces"]["n"], by_name["faces"]["dim"]) == (400, 4096)


def test_datasets_table(capsys, home):
    code, out, err = run(capsys, "datasets")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 11
    iris = next(line for line in lines if line.startswith("iris "))
    assert "150 x 4" in iris and "iris flowers" in iris


# --- project ---------------------------------------------------------------------------------------------


def test_project_iris_pca_json(capsys, home):
    result = run_json(capsys, "project", "--dataset", "iris", "--method", "pca")
    assert result["method"] == "pca" and result["dataset"] == "iris"
    assert result["n"] == 150 and result["dim"] == 4 and result["dims"] == 2
    assert isinstance(result["seconds"], float) and result["seconds"] >= 0
    assert 0.9 < result["trustworthiness"] <= 1.0
    assert 0.0 < result["knn_recall"] <= 1.0
    assert result["k"] == 10 and result["seed"] == 0 and result["cached"] is False
    assert len(result["explained_variance_ratio"]) == 4  # every component of iris (up to 10 are kept)
    assert result["explained_variance_ratio"][0] == pytest.approx(0.9246, abs=1e-3)
    # the same numbers as the library gives
    from core import embed, metrics

    ds = datasets.load("iris")
    q = metrics.quality(ds.vectors, embed.project(ds, "pca").coords, k=10)
    assert result["trustworthiness"] == pytest.approx(q.trustworthiness, abs=1e-6)
    assert result["knn_recall"] == pytest.approx(q.knn_recall, abs=1e-6)
    assert run_json(capsys, "project", "--dataset", "iris", "--method", "pca")["cached"] is True


def test_project_plain_text_output(capsys, home):
    code, out, err = run(capsys, "project", "--dataset", "wine", "--method", "pca", "--k", "5")
    assert code == 0 and err == ""
    assert out.startswith("pca of wine: 178 points -> 2-D in ")
    assert re.search(r"; trustworthiness [01]\.\d{3}, 5-NN recall [01]\.\d{3}$", out.strip()), out


@pytest.mark.parametrize("ext", ["parquet", "csv"])
def test_project_out_file(ext, capsys, home, tmp_path):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / f"x.{ext}"
    result = run_json(capsys, "project", "--dataset", "iris", "--method", "pca", "--out", str(out))
    assert result["out"] == str(out)
    frame = pd.read_parquet(out) if ext == "parquet" else pd.read_csv(out)
    assert len(frame) == 150
    assert {"id", "label", "x", "y", "trustworthiness", "knn_recall", "petal length (cm)"} <= set(frame.columns)
    assert "z" not in frame.columns
    assert frame["label"].iloc[0] == "setosa"
    from core import embed

    coords = embed.project(datasets.load("iris"), "pca").coords
    np.testing.assert_allclose(frame[["x", "y"]].to_numpy(), coords, rtol=1e-5, atol=1e-5)
    assert frame["trustworthiness"].mean() == pytest.approx(result["trustworthiness"], abs=1e-5)
    assert frame["knn_recall"].mean() == pytest.approx(result["knn_recall"], abs=1e-5)
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left


def test_project_3d_gives_z(capsys, home, tmp_path):
    out = tmp_path / "x3.csv"
    result = run_json(capsys, "project", "--dataset", "wine", "--method", "pca", "--dims", "3", "--out", str(out))
    assert result["dims"] == 3
    frame = pd.read_csv(out)
    assert {"x", "y", "z"} <= set(frame.columns) and len(frame) == 178
    assert frame["z"].std() > 0


def test_project_tsne_and_umap_small(capsys, home, tmp_path):
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(size=(40, 5)), rng.normal(size=(40, 5)) + 6]).astype(np.float32)
    np.save(tmp_path / "v.npy", x)
    tsne = run_json(capsys, "project", "--input", str(tmp_path / "v.npy"), "--method", "tsne", "--dims", "3",
                    "--perplexity", "10", "--seed", "3")
    assert tsne["params"]["perplexity"] == 10.0 and tsne["seed"] == 3 and tsne["dims"] == 3
    assert tsne["trustworthiness"] > 0.85
    umap = run_json(capsys, "project", "--dataset", tsne["dataset"], "--method", "umap", "--n-neighbors", "8",
                    "--min-dist", "0.3")
    assert umap["params"]["n_neighbors"] == 8 and umap["params"]["min_dist"] == 0.3
    assert umap["n"] == 80 and umap["trustworthiness"] > 0.85


def test_project_input_with_metadata_is_saved_and_reusable_by_id(capsys, home, tmp_path):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(30, 6))
    (tmp_path / "some.tsv").write_text("\n".join("\t".join(f"{v:.5f}" for v in row) for row in vectors) + "\n")
    (tmp_path / "meta.tsv").write_text("word\tgroup\n" + "".join(f"w{i}\tg{i % 3}\n" for i in range(30)))
    first = run_json(capsys, "project", "--input", str(tmp_path / "some.tsv"), "--metadata",
                     str(tmp_path / "meta.tsv"), "--method", "pca", "--out", str(tmp_path / "a.csv"))
    ws_id = first["dataset"]
    assert workspace_entries(home) == [ws_id]
    assert first["n"] == 30 and first["dim"] == 6
    again = run_json(capsys, "project", "--dataset", ws_id, "--method", "pca", "--out", str(tmp_path / "b.csv"))
    assert again["dataset"] == ws_id and again["cached"] is True
    assert again["trustworthiness"] == first["trustworthiness"]
    a, b = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    pd.testing.assert_frame_equal(a, b)
    assert a["label"].tolist()[:2] == ["w0", "w1"] and a["group"].tolist()[:2] == ["g0", "g1"]
    listed = {r["name"] for r in run_json(capsys, "datasets")}
    assert ws_id in listed
    near = run_json(capsys, "neighbors", "--dataset", ws_id, "--query", "w4", "--k", "3")
    assert near["query"] == {"id": "4", "label": "w4"} and len(near["neighbors"]) == 3
    # importing the same files again gives the same id and saves nothing new
    code, out, err = run(capsys, "import", "--input", str(tmp_path / "some.tsv"), "--metadata",
                         str(tmp_path / "meta.tsv"))
    assert code == 0 and out.strip() == ws_id
    assert workspace_entries(home) == [ws_id]


# --- neighbors -------------------------------------------------------------------------------------------


def test_neighbors_of_king(capsys, home):
    result = run_json(capsys, "neighbors", "--dataset", "glove-5k", "--query", "king", "--k", "5")
    assert result["query"] == {"id": "king", "label": "king"} and result["metric"] == "cosine"
    items = result["neighbors"]
    assert len(items) == 5
    words = [it["label"] for it in items]
    assert "king" not in words and "queen" in words
    distances = [it["distance"] for it in items]
    assert distances == sorted(distances) and 0 < distances[0] < 1
    ds = datasets.load("glove-5k")
    v = ds.vectors / np.linalg.norm(ds.vectors, axis=1, keepdims=True)
    king = int(np.flatnonzero(ds.ids == "king")[0])
    cos = 1 - v @ v[king]
    cos[king] = np.inf
    assert words == [ds.ids[i] for i in np.argsort(cos)[:5]]
    np.testing.assert_allclose(distances, np.sort(cos)[:5], atol=1e-5)


def test_neighbors_euclidean_text_output(capsys, home):
    code, out, err = run(capsys, "neighbors", "--dataset", "iris", "--query", "0", "--k", "3", "--metric", "euclidean")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == 3
    assert all(line.split()[1] == "setosa" for line in lines)


# --- bad input: one line, exit status 2 ------------------------------------------------------------------

BAD = [
    (["project", "--dataset", "no-such-data", "--method", "pca"], ["dataset 'no-such-data' does not exist"]),
    (["project", "--dataset", "../etc", "--method", "pca"], ["dataset '../etc' does not exist"]),
    (["project", "--dataset", "a1b2c3d4e5f6", "--method", "pca"], ["dataset 'a1b2c3d4e5f6' does not exist"]),
    (["project", "--dataset", "iris"], ["the following arguments are required: --method"]),
    (["project", "--dataset", "iris", "--method", "pca", "--dims", "4"], ["--dims", "invalid choice"]),
    (["project", "--dataset", "iris", "--method", "mds"], ["--method", "invalid choice: 'mds'"]),
    (["project", "--dataset", "iris", "--method", "pca", "--out", "x.txt"],
     ["--out 'x.txt' must end in .parquet or .csv"]),
    (["project", "--dataset", "iris", "--method", "pca", "--out", "/no/such/folder/x.csv"],
     ["--out folder '/no/such/folder' does not exist"]),
    (["project", "--dataset", "iris", "--method", "pca", "--k", "80"],
     ["k=80 must be a whole number from 1 to below n/2=75"]),
    (["project", "--dataset", "iris", "--method", "pca", "--k", "0"], ["k=0 must be a whole number"]),
    (["project", "--dataset", "iris", "--method", "tsne", "--perplexity", "60"], ["perplexity=60.0 must be between 1"]),
    (["project", "--dataset", "iris", "--method", "umap", "--n-neighbors", "150"],
     ["n_neighbors=150 must be between 2 and n-1=149"]),
    (["project", "--dataset", "iris", "--method", "umap", "--min-dist", "2"], ["min_dist=2.0 must be between 0 and 1"]),
    (["project", "--dataset", "iris", "--method", "pca", "--seed", "abc"], ["--seed", "invalid int value: 'abc'"]),
    (["project", "--dataset", "iris", "--input", "x.tsv", "--method", "pca"], ["not allowed with argument"]),
    (["project", "--method", "pca"], ["one of the arguments --dataset --input is required"]),
    (["project", "--dataset", "iris", "--metadata", "m.tsv", "--method", "pca"],
     ["--metadata and --text-column go with --input, not --dataset"]),
    (["project", "--input", "/no/such/file.tsv", "--method", "pca"], ["input '/no/such/file.tsv' does not exist"]),
    (["neighbors", "--dataset", "glove-5k", "--query", "zzqqxx", "--k", "5"],
     ["'zzqqxx' is neither an id nor a label in dataset 'glove-5k'"]),
    (["neighbors", "--dataset", "iris", "--query", "setosa", "--k", "150"],
     ["k=150 must be a whole number between 1 and 149"]),
    (["neighbors", "--dataset", "iris", "--query", "setosa", "--k", "0"], ["k=0 must be a whole number"]),
    (["neighbors", "--dataset", "iris", "--k", "3"], ["the following arguments are required: --query"]),
    (["neighbors", "--dataset", "iris", "--query", "setosa", "--metric", "manhattan"], ["--metric", "invalid choice"]),
    (["import", "--dataset", "nope"], ["dataset 'nope' does not exist"]),
    (["import"], ["one of the arguments --dataset --input is required"]),
    (["bogus"], ["invalid choice: 'bogus'"]),
    ([], ["the following arguments are required: command"]),
    (["datasets", "--wat"], ["unrecognized arguments: --wat"]),
]


@pytest.mark.parametrize("argv, needles", BAD, ids=[" ".join(a) or "(nothing)" for a, _ in BAD])
def test_bad_arguments_give_one_error_line(argv, needles, capsys, home):
    assert_one_error_line(*run(capsys, *argv), *needles)
    assert workspace_entries(home) == []


def test_broken_files_give_one_error_line_and_save_nothing(capsys, home, tmp_path):
    buf = io.BytesIO()
    np.save(buf, np.array([object(), None], dtype=object), allow_pickle=True)
    files = {
        "ragged.tsv": (b"1\t2\n3\n", "'ragged.tsv': row 2 has 1 values but row 1 has 2"),
        "empty.csv": (b"", "file 'empty.csv' is empty"),
        "nan.csv": (b"x,y\n1,2\nnan,3\n", "1 vector(s) contain NaN or infinite values (rows 2)"),
        "pickle.npy": (buf.getvalue(), "file 'pickle.npy' holds Python objects (a pickle)"),
        "latin.txt": ("caf\u00e9\n".encode("latin-1"), "file 'latin.txt' is not UTF-8 text"),
        "notes.xlsx": (b"PK whatever", "'notes.xlsx': files ending .xlsx are not read"),
    }
    for name, (data, needle) in files.items():
        (tmp_path / name).write_bytes(data)
        for command in (["import"], ["project", "--method", "pca"], ["neighbors", "--query", "0"]):
            assert_one_error_line(*run(capsys, *command, "--input", str(tmp_path / name)), needle)
    assert workspace_entries(home) == []


def test_unexpected_errors_are_one_line_with_status_1(capsys, home, monkeypatch):
    from core import cli

    def broken(args):
        raise RuntimeError("something odd\nsecond line")

    monkeypatch.setitem(cli.COMMANDS, "datasets", broken)
    code, out, err = run(capsys, "datasets")
    assert code == 1 and out == ""
    assert err == "error: unexpected RuntimeError: something odd (please report this with the command you ran)\n"


def test_help_exits_cleanly(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "project" in capsys.readouterr().out


# --- the real command, in a subprocess --------------------------------------------------------------------


def _subprocess(home: Path, *argv) -> subprocess.CompletedProcess:
    env = {**os.environ, "EMBEDLAB_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "core.cli", *argv], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=300)


def test_subprocess_project_json(home):
    done = _subprocess(home, "project", "--dataset", "iris", "--method", "pca", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["method"] == "pca" and result["n"] == 150 and result["dims"] == 2
    assert 0.9 < result["trustworthiness"] <= 1


def test_subprocess_error_is_one_line_and_status_2(home):
    done = _subprocess(home, "project", "--dataset", "no-such-data", "--method", "pca")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: dataset 'no-such-data' does not exist")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_the_installed_entry_point_exists():
    script = Path(sys.executable).parent / "embedlab"
    if not script.exists():
        pytest.skip("no embedlab script next to this interpreter")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "embedlab" in done.stdout
