"""The page registry: one entry per page. The router builds ``st.Page`` objects from it and the
browser tests open every entry, so a new page is added here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    file: str  # in dashboard/app_pages/
    title: str
    icon: str
    url_path: str
    sample_query: str = ""  # a shared-link query string the browser test opens too
    default: bool = False
    section: str = ""  # the sidebar heading it is listed under ("" = at the top, no heading)


DIM_RED, SEARCH, RECS, REPR, GEN = ("Dimensionality reduction", "Search lab", "Recommendation lab",
                                    "Representation lab", "Generative lab")
PAGES = [
    PageSpec("home.py", "Home", ":material/home:", "home", sample_query="ds=faces", default=True),
    PageSpec("explore.py", "Explore", ":material/scatter_plot:", "explore",
             sample_query="ds=iris&m=UMAP&q=setosa&pt=3&k=12&lbl=label"),
    PageSpec("eigenfaces.py", "Eigenfaces", ":material/face:", "eigenfaces", sample_query="face=s7/3&k=35&n=16",
             section=DIM_RED),
    PageSpec("autoencoders.py", "Autoencoders", ":material/compress:", "autoencoders",
             sample_query="ds=faces&code=4&z=1.2,-0.5&grid=12", section=DIM_RED),
    PageSpec("sne_lab.py", "t-SNE & UMAP lab", ":material/bubble_chart:", "sne_lab",
             sample_query="toy=cluster-distances&sw=n_neighbors&perp=10&pt=7&iter=300&ds=iris", section=DIM_RED),
    PageSpec("search_ranking.py", "Keyword ranking", ":material/manage_search:", "search_ranking",
             sample_query="q=python+programming+language&k1=0.5&b=0.3&k=5", section=SEARCH),
    PageSpec("search_stuffing.py", "Keyword stuffing", ":material/report:", "search_stuffing",
             sample_query="q=cheap+flights&rep=40&w=0.7", section=SEARCH),
    PageSpec("search_pagerank.py", "PageRank", ":material/hub:", "search_pagerank",
             sample_query="damp=0.7&page=Python&farm=300&q=functional+programming&w=0.4", section=SEARCH),
    PageSpec("search_semantic.py", "Semantic search", ":material/psychology:", "search_semantic",
             sample_query="q=rodent+shaped+pointing+device&k=5&need=deadlock", section=SEARCH),
    PageSpec("search_assist.py", "Query assistance", ":material/spellcheck:", "search_assist",
             sample_query="q=operatng+sytem", section=SEARCH),
    PageSpec("search_evaluation.py", "Evaluation", ":material/leaderboard:", "search_evaluation",
             sample_query="nq=100", section=SEARCH),
    PageSpec("rec_matrix.py", "User-item matrix", ":material/grid_on:", "rec_matrix",
             sample_query="nu=20&ni=25&order=clustered&fill=true&model=mf", section=RECS),
    PageSpec("rec_models.py", "Models", ":material/model_training:", "rec_models",
             sample_query="model=ease&ease_l2=300", section=RECS),
    PageSpec("rec_user.py", "One user", ":material/person:", "rec_user", sample_query="user=42&model=ease&k=5",
             section=RECS),
    PageSpec("rec_items.py", "Similar items", ":material/movie:", "rec_items", sample_query="item=50&k=8",
             section=RECS),
    PageSpec("rec_coldstart.py", "Cold start", ":material/person_add:", "rec_coldstart",
             sample_query="rated=50:5,181:5,100:4,1:2", section=RECS),
    PageSpec("rec_evaluation.py", "Evaluation", ":material/leaderboard:", "rec_evaluation", sample_query="seed=1",
             section=RECS),
    PageSpec("repr_words.py", "Word vectors", ":material/text_fields:", "repr_words",
             sample_query="k=5&q=paris+-+france+%2B+italy&ax_x0=he&ax_x1=she", section=REPR),
    PageSpec("repr_word2vec.py", "word2vec", ":material/model_training:", "repr_word2vec",
             sample_query="kind=cbow&ep=1&q=compiler", section=REPR),
    PageSpec("repr_triplet.py", "Metric learning", ":material/join_inner:", "repr_triplet",
             sample_query="src=faces&tdim=16&mine=random", section=REPR),
    PageSpec("repr_images.py", "Image similarity", ":material/image_search:", "repr_images",
             sample_query="img=12&set=faces&k=8&m=UMAP", section=REPR),
    PageSpec("repr_sequence.py", "Sequence models", ":material/keyboard:", "repr_sequence",
             sample_query="temp=0.8&prompt=a+compi&seq=GRU+vs+Transformer", section=REPR),
    PageSpec("gen_samples.py", "Samples & latent walks", ":material/auto_awesome:", "gen_samples",
             sample_query="gm=mnist-dcgan&gs=3&psi=0.7", section=GEN),
    PageSpec("gen_conditional.py", "Conditional GAN", ":material/category:", "gen_conditional",
             sample_query="cls=7&gs=2&cls2=1&row=3", section=GEN),
    PageSpec("gen_slice.py", "Latent slice", ":material/grid_view:", "gen_slice",
             sample_query="gm=mnist-dcgan&ctr=origin&ext=6&at=3,3", section=GEN),
    PageSpec("gen_pix2pix.py", "Image to image", ":material/draw:", "gen_pix2pix", sample_query="hr=17", section=GEN),
    PageSpec("gen_replay.py", "Training replay", ":material/replay:", "gen_replay",
             sample_query="gm=mnist-pix2pix&iter=830", section=GEN),
    PageSpec("gen_train.py", "Train your own GAN", ":material/model_training:", "gen_train",
             sample_query="gsteps=40&gbatch=64&gseed=3", section=GEN),
]


def sections() -> dict[str, list[PageSpec]]:
    """The pages grouped by sidebar heading, in registry order."""
    out: dict[str, list[PageSpec]] = {}
    for spec in PAGES:
        out.setdefault(spec.section, []).append(spec)
    return out
