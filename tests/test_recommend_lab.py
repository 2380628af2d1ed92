"""MovieLens loading, the split, the matrix block and long tail, cold-start links, similar users, genre profiles."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from core.errors import InputError
from core.recommend.coldstart import decode_rated, encode_rated, visitor_row
from core.recommend.data import load_movielens, split
from core.recommend.explain import genre_profile, similar_users
from core.recommend.matrix import ORDERS, block, long_tail


@pytest.fixture(scope="module")
def ml():
    return load_movielens()


def test_movielens_is_the_canonical_100k(ml):
    assert (ml.n_users, ml.n_items, ml.n) == (943, 1682, 100_000)
    assert ml.matrix.nnz == 100_000 and ml.matrix.dtype == np.float32
    assert ml.rating_range == (1.0, 5.0) and ml.explicit
    assert ml.titles[0] == "Toy Story (1995)" and ml.item_meta["genres"][0] == ("Animation", "Children's", "Comedy")
    assert ml.titles[ml.item_col("50")] == "Star Wars (1977)"
    assert int(ml.item_counts[ml.item_col("50")]) == 583  # the most rated movie
    assert ml.user_counts.min() == 20  # every MovieLens user rated at least 20 movies
    assert ml.user_meta.loc[0, "occupation"] == "technician"
    assert ml.genres()[:2] == ["Drama", "Comedy"]
    assert "GroupLens" in ml.credit


def test_unknown_ids_say_what_exists(ml):
    with pytest.raises(InputError, match=r"no user '9999'.*943 users"):
        ml.user_row("9999")
    with pytest.raises(InputError, match=r"no item 'star warz'.*Did you mean 50 \(Star Wars \(1977\)\)"):
        ml.item_col("star warz")
    assert [ml.titles[i] for i in ml.find_items("jedi")] == ["Return of the Jedi (1983)"]


def test_split_is_per_user_disjoint_and_seeded(ml):
    s = split(ml, 0.2, seed=0)
    assert s.train.nnz + s.test.nnz == ml.n and abs(s.test.nnz - 20_000) < 200
    assert s.train.multiply(s.test).nnz == 0  # no interaction on both sides
    per_user = np.diff(s.test.indptr) / ml.user_counts
    assert per_user.min() > 0.15 and per_user.max() < 0.25
    assert (np.diff(s.train.indptr) >= 1).all()
    again = split(ml, 0.2, seed=0)
    assert (again.test != s.test).nnz == 0
    assert (split(ml, 0.2, seed=1).test != s.test).nnz > 0
    with pytest.raises(InputError, match="between 0 and 1"):
        split(ml, 1.5)


def test_split_keeps_lonely_users_in_train():
    X = sp.csr_matrix(np.array([[5, 0, 0], [4, 3, 0], [1, 2, 3]], dtype=np.float32))
    s = split(X, 0.5, seed=0)
    assert s.test[0].nnz == 0 and s.train[0].nnz == 1
    assert s.test[1].nnz == 1 and s.train[1].nnz == 1
    assert list(s.test_users) == [1, 2]


def test_block_orders(ml):
    rows, cols = block(ml.matrix, 10, 12, "activity")
    assert len(rows) == 10 and len(cols) == 12
    assert ml.user_counts[rows[0]] == ml.user_counts.max() and cols[0] == ml.item_col("50")
    assert (np.diff(ml.user_counts[rows]) <= 0).all()
    r2, c2 = block(ml.matrix, 10, 12, "clustered")
    assert sorted(r2) == sorted(rows) and sorted(c2) == sorted(cols)  # the same block, reordered
    r3, c3 = block(ml.matrix, 10, 12, "id")
    assert list(r3) == sorted(rows) and list(c3) == sorted(cols)
    with pytest.raises(InputError, match="unknown order 'shuffled'"):
        block(ml.matrix, 10, 10, "shuffled")
    with pytest.raises(InputError, match="1 to 200 users"):
        block(ml.matrix, 0, 10)
    assert set(ORDERS) == {"random", "activity", "clustered", "id"}
    r4, c4 = block(ml.matrix, 30, 30)  # the default: a random sample, as sparse as the whole
    assert len(set(r4)) == 30 and (ml.matrix[r4][:, c4] != 0).mean() < 0.2
    assert list(r4) == list(block(ml.matrix, 30, 30)[0])  # seeded


def test_clustering_puts_alike_rows_together():
    # two taste groups interleaved: the clustered order must separate them
    A = np.zeros((8, 8), dtype=np.float32)
    for u in range(8):
        A[u, (u % 2)::2] = 5
    rows, cols = block(sp.csr_matrix(A), 8, 8, "clustered")
    groups = [r % 2 for r in rows]
    assert groups in ([0] * 4 + [1] * 4, [1] * 4 + [0] * 4)


def test_long_tail(ml):
    tail = long_tail(ml.matrix)
    assert tail.counts[0] == 583 and (np.diff(tail.counts) <= 0).all() and tail.counts.sum() == ml.n
    assert tail.head_share >= 0.5 and tail.head_items < 0.2 * ml.n_items  # a small head
    assert long_tail(ml.matrix, 0.5).head_items == int(np.searchsorted(np.cumsum(tail.counts) / ml.n, 0.5) + 1)


def test_cold_start_links_round_trip(ml):
    rated = {ml.item_col("50"): 5.0, ml.item_col("181"): 4.0}
    code = encode_rated(rated, ml)
    assert code == "50:5,181:4"
    assert decode_rated(code, ml) == rated
    assert decode_rated("", ml) == {}
    row = visitor_row(rated, ml.n_items)
    assert row.shape == (1, 1682) and row[0, ml.item_col("50")] == 5.0 and row.nnz == 2


@pytest.mark.parametrize(("code", "message"), [
    ("50:5,99999:4", r"no item '99999'"),
    ("50:9", r"outside 1 to 5"),
    ("50:nan", r"outside 1 to 5"),
    ("50:five", r"not a number"),
    ("50-5", r"not “item:rating” pairs"),
    (",".join(f"{i}:3" for i in range(1, 300)), r"at most 200"),
])
def test_cold_start_links_tampered(ml, code, message):
    with pytest.raises(InputError, match=message):
        decode_rated(code, ml)


def test_similar_users_by_cosine(ml):
    from sklearn.metrics.pairwise import cosine_similarity

    sims = similar_users(ml.matrix, 0, k=5)
    ref = cosine_similarity(ml.matrix)[0]
    ref[0] = -np.inf
    assert list(sims.users) == list(np.argsort(-ref, kind="stable")[:5])
    np.testing.assert_allclose(sims.scores, ref[sims.users], rtol=1e-5)
    B = (ml.matrix != 0).astype(int)
    assert sims.overlap[0] == B[0].multiply(B[sims.users[0]]).sum()
    seen = set(ml.matrix[0].indices)
    assert all(i not in seen for tips in sims.tips for i in tips)


def test_genre_profile_shares(ml):
    star_wars, toy_story = ml.item_col("50"), ml.item_col("1")
    profile = genre_profile(ml, [star_wars, toy_story])
    assert abs(sum(profile.values()) - 1) < 1e-9
    # Star Wars has 5 genres (a fifth each of half), Toy Story 3 (a third each of half)
    assert profile["Sci-Fi"] == pytest.approx(0.1) and profile["Comedy"] == pytest.approx(1 / 6)
    assert genre_profile(ml, []) == {}
