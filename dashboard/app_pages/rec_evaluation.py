"""Evaluation: every model on the same held-out split: Precision@10, Recall@10, NDCG@10, catalogue coverage, and
RMSE for the rating predictor."""

import streamlit as st

from core.viz.recommend import evaluation_figure
from dashboard import cached, state
from dashboard.components import recommend as rec

NDCG_BAR = 0.38

st.title("Which recommender is best?")
st.markdown(
    "**The protocol.** For every user, 20 % of their ratings are hidden at random (seeded); every model is "
    "trained on the remaining 80 % and then asked for its top 10 among all the items the user has not rated in "
    "training. Every hidden item counts as relevant, whatever its rating: the question is *will they watch it*.\n\n"
    "- **Precision@10**: the share of the 10 that are hidden items. **Recall@10**: the share of the user's hidden "
    "items that made the 10.\n"
    "- **NDCG@10**: like precision, but a hit at rank 1 counts more than at rank 10 (discounted by log₂ of the "
    "rank), scaled so that a perfect list scores 1.\n"
    "- **Coverage**: the share of the catalogue that appears in anyone's top 10; a model that recommends only "
    "blockbusters scores low.\n"
    "- **RMSE**: for the model that predicts ratings, its error on the hidden ratings (in stars).")
name, data = rec.pick_ratings()
state.check_number(state.SEED, 0, 99, "the split's seed", integer=True)
seed = int(st.number_input("Seed of the split", 0, 99, 0, key=state.SEED, bind="query-params"))
bar = st.progress(0.0, text="Training and scoring every model…")


def progress(done: int, total: int) -> None:
    bar.progress(min(1.0, done / max(total, 1)), text=f"Training and scoring every model… {done} of {total}")


table = cached.rec_evaluation(name, 10, seed, progress=progress)
bar.empty()
best = table.loc[table["ndcg@10"].idxmax()]
st.plotly_chart(evaluation_figure(table, 10, bar=NDCG_BAR if name == "ml-100k" else None), key="evaluation")
shown = table.drop(columns=[c for c in ("label",) if c in table.columns])
st.dataframe(shown, hide_index=True, column_config={
    c: st.column_config.NumberColumn(format="%.3f") for c in shown.columns if shown[c].dtype.kind == "f"})
st.markdown(f"Best NDCG@10: **{best['label']}**, {best['ndcg@10']:.3f}. Published MovieLens-100k top-10 figures "
            "put popularity near P@10 0.19, item-kNN near 0.32 and BPR near 0.39 (protocols differ).")
for row in table[table["rmse"].notna()].to_dict("records"):
    st.markdown(f"**{row['label']}** predicts the hidden ratings to within {row['rmse']:.2f} stars (RMSE) yet ranks "
                f"poorly (NDCG@10 {row['ndcg@10']:.3f}): it orders movies by the stars it expects, so it favours "
                "films few people saw but those few loved, while the hidden items are what people chose to watch. "
                "Predicting ratings and ranking are different tasks.")
st.caption(f"{int(table['users'].iloc[0]):,} users with hidden items; fit_s is each model's training time in "
           "seconds on this machine. The same numbers: `embedlab evaluate-recs --json`.")
