"""The recommendation lab's commands: `embedlab recommend` and `evaluate-recs`, with their documented JSON."""

from __future__ import annotations

import pytest
from cli_run import one_error, run_json

from core.cli import main
from core.recommend.data import load_movielens
from core.recommend.models import MODELS, make_model


@pytest.fixture(scope="module")
def ml():
    return load_movielens()


@pytest.mark.parametrize("model", ["popularity", "item-knn", "ease", "implicit-als"])
def test_recommend_json(capsys, ml, model):
    doc = run_json(capsys, "recommend", "--user", "42", "--model", model, "--k", "7")
    items = doc["items"]
    assert len(items) == 7 and set(items[0]) == {"id", "title", "score"}
    expected = make_model(model).fit(ml.matrix).recommend(ml.user_row("42"), k=7)
    assert [it["id"] for it in items] == [ml.item_ids[i] for i in expected.items]
    scores = [it["score"] for it in items]
    assert scores == sorted(scores, reverse=True)
    rated = {ml.item_ids[i] for i in ml.matrix[ml.user_row("42")].indices}
    assert not rated & {it["id"] for it in items}  # never an item the user already rated
    assert doc["rated"] == 183 and doc["user"] == "42"


def test_recommend_prints_a_list(capsys):
    assert main(["recommend", "--user", "1", "--k", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and out[0].startswith("  1.")


def test_recommend_errors(capsys):
    assert "no user '4200'" in one_error(capsys, "recommend", "--user", "4200")
    assert "Did you mean 420" in one_error(capsys, "recommend", "--user", "4200")
    err = one_error(capsys, "recommend", "--user", "1", "--model", "magic")
    assert "magic" in err and "ease" in err
    assert "--k must be from 1 to 1000" in one_error(capsys, "recommend", "--user", "1", "--k", "0")
    assert "r-000000000000" in one_error(capsys, "recommend", "--user", "1", "--ratings", "r-000000000000")


def test_evaluate_recs_json(capsys):
    doc = run_json(capsys, "evaluate-recs")
    models = doc["models"]
    assert list(models) == list(MODELS)
    for metrics in models.values():
        assert {"precision@10", "recall@10", "ndcg@10", "coverage"} <= set(metrics)
        assert all(0 <= metrics[m] <= 1 for m in ("precision@10", "recall@10", "ndcg@10", "coverage"))
    assert max(m["ndcg@10"] for m in models.values()) >= 0.38
    assert 0.15 < models["popularity"]["ndcg@10"] < 0.3 and models["popularity"]["rmse"] is None
    assert 0.8 < models["mf"]["rmse"] < 1.1  # in stars
    assert "--k must be from 1 to 100" in one_error(capsys, "evaluate-recs", "--k", "500")
