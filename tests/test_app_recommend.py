"""AppTest runs of the recommendation lab's pages: what they show matches core, links set the view, bad links
and ids are explained."""

from __future__ import annotations

import pytest
from apptest_pages import open_page

from core.recommend.data import load_movielens
from core.recommend.models import make_model


@pytest.fixture(scope="module")
def ml():
    return load_movielens()


def frames(at, first_column: str):
    return [d.value for d in at.dataframe if list(d.value.columns)[:1] == [first_column]]


def test_matrix_page_shows_the_block_and_fills_it(ml):
    at = open_page("rec_matrix.py", nu="12", ni="15")
    assert not at.warning and not at.error
    assert at.slider(key="nu").value == 12 and at.slider(key="ni").value == 15
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Cells filled"] == "6.30%"
    assert len([c for c in at.get("plotly_chart") if c.proto.id]) >= 3  # matrix, long tail, ratings
    at = open_page("rec_matrix.py", nu="12", ni="15", fill="true", model="mf", order="clustered")
    assert at.toggle(key="fill").value is True and at.selectbox(key="model").value == "mf"
    assert any("predicted rating" in c.value for c in at.caption)


def test_matrix_page_explains_a_bad_link():
    at = open_page("rec_matrix.py", nu="5000", order="shuffled")
    texts = " ".join(w.value for w in at.warning)
    assert "5000" in texts and "shuffled" in texts
    assert at.slider(key="nu").value == 30 and at.selectbox(key="order").value == "random"


def test_one_user_matches_core(ml):
    at = open_page("rec_user.py", user="42", model="ease", k="5")
    assert not at.warning and not at.error
    recs = frames(at, "rank")
    mine = make_model("ease").fit(ml.matrix).recommend(ml.user_row("42"), k=5)
    top = recs[1]
    assert top["title"].tolist() == [ml.titles[i] for i in mine.items]
    assert top["because"].str.len().min() > 0
    rated = set(ml.titles[i] for i in ml.matrix[ml.user_row("42")].indices)
    assert not rated & set(top["title"])  # never a movie already rated
    assert len(recs[0]) == ml.user_counts[ml.user_row("42")]  # all their ratings
    assert "Users most like this one" in [h.value for h in at.subheader]


def test_unknown_user_is_explained():
    at = open_page("rec_user.py", user="99999")
    assert any("no user '99999'" in w.value for w in at.warning)
    assert frames(at, "rank")  # the default user is shown instead


def test_similar_items_for_star_wars(ml):
    at = open_page("rec_items.py", item="50", k="8")
    knn, factors = frames(at, "rank")[:2]
    assert len(knn) == 8 and len(factors) == 8
    assert "Return of the Jedi (1983)" in knn["title"].tolist()
    assert "Star Wars (1977)" not in knn["title"].tolist() + factors["title"].tolist()
    at = open_page("rec_items.py", item="no-such-movie")
    assert any("no item 'no-such-movie'" in w.value for w in at.warning)


def test_cold_start_from_a_link(ml):
    at = open_page("rec_coldstart.py", rated="50:5,181:5,100:4,1:2")
    assert not at.warning and not at.error
    lists = frames(at, "title")
    assert len(lists) >= 1 + 4  # the rating table, one list per model
    rated = {"Star Wars (1977)", "Return of the Jedi (1983)", "Fargo (1996)", "Toy Story (1995)"}
    for table in lists[1:]:
        assert len(table) == 10 and not rated & set(table["title"])
    at = open_page("rec_coldstart.py", rated="50:9")
    assert any("outside 1 to 5" in w.value for w in at.warning)


def test_evaluation_page_table():
    at = open_page("rec_evaluation.py")
    table = at.dataframe[0].value
    assert table["model"].tolist()[:3] == ["popularity", "user-knn", "item-knn"]
    assert table["ndcg@10"].max() >= 0.38
    assert 0.15 < float(table.loc[table["model"] == "popularity", "ndcg@10"].iloc[0]) < 0.3


def test_models_page_lists_the_registry():
    at = open_page("rec_models.py", model="mf")
    table = at.dataframe[0].value
    assert {"popularity", "item-knn", "ease", "mf", "implicit-als", "bpr"} <= set(table["model"])
    assert "Training" in [h.value for h in at.subheader]  # mf's loss curve
