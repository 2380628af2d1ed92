"""Character-level language models: an LSTM, a GRU and a tiny Transformer, trained in torch on running text (and
shipped trained on FOLDOC).

>>> from core.search.corpus import load_corpus
>>> text = training_text(load_corpus("foldoc").texts)                      # doctest: +SKIP
>>> model = CharModel("lstm").fit(text)                                      # doctest: +SKIP
>>> model.sample("the compiler ", 40, temperature=0.5, seed=0)              # doctest: +SKIP
'the compiler is a program that ...'

Text
    Lower-cased, with a small alphabet (:data:`ALPHABET`: letters, digits, space and basic punctuation); other
    characters are dropped and runs of white space become one space (:meth:`CharVocab.clean`).
Training
    ``steps`` Adam steps, each on ``batch`` windows of ``context + 1`` characters drawn at random (seeded) from the
    text; every position of a window predicts the next character (teacher forcing). The loss is the mean cross
    entropy, recorded in bits per character (``loss_curve_``, one point per step); ``val_bits_`` is the same on
    windows of a held-out tail of the text (the last :data:`HELD_OUT` share), never trained on.
Models
    ``"lstm"`` / ``"gru"``: a character embedding, ``layers`` recurrent layers of ``hidden`` units, a linear read-out.
    ``"transformer"``: a character embedding plus learned positions, ``layers`` pre-norm encoder layers with a
    causal mask (position ``t`` attends to ``0..t`` only) and :data:`HEADS` heads, a linear read-out.
Prediction
    Every prediction reads the last ``context`` characters of the prefix (the window length it was trained on),
    so the recurrent models and the Transformer see the same history.
Shipped weights
    The project trains one model of each kind with the default recipe on :func:`training_text` of FOLDOC and ships
    it in ``data/models/sequence`` with its model card (:func:`rebuild_shipped`, ``embedlab train-sequence``), so
    the lesson opens at once; :func:`shipped` loads one.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from core.checks import check_real, check_whole
from core.errors import InputError

ALPHABET = " abcdefghijklmnopqrstuvwxyz0123456789.,;:'\"()-?!/"
SEQUENCE_MODELS: dict[str, str] = {
    "lstm": "LSTM: a recurrent network whose gated memory cell carries information along the text; reads one "
            "character at a time.",
    "gru": "GRU: a lighter recurrent network (two gates instead of three, no separate cell); reads one character "
           "at a time.",
    "transformer": "Tiny Transformer: causal self-attention over the whole window at once, with learned positions; "
                   "every character looks back at all the earlier ones.",
}
HEADS = 4  # attention heads of the Transformer
HELD_OUT = 0.1  # share of the text kept out of training, for val_bits_
TEXT_CHARS = 400_000  # characters of the default training text
MAX_TEMPERATURE = 3.0
WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
Progress = Callable[[int, int], Any] | None
SHIPPED_DIR = Path(__file__).resolve().parents[2] / "data" / "models" / "sequence"


class CharVocab:
    """The characters a model reads and writes, and the mapping between text and ids.

    Parameters
    ----------
    alphabet : str
        The characters, each once; id ``i`` is ``alphabet[i]``.
    """

    def __init__(self, alphabet: str = ALPHABET) -> None:
        if not alphabet or len(set(alphabet)) != len(alphabet):
            raise InputError(f"alphabet={alphabet!r} must be a non-empty string with each character once")
        self.chars = list(alphabet)
        self.index = {c: i for i, c in enumerate(self.chars)}
        self._drop = re.compile("[^" + re.escape(alphabet) + "]")

    def __len__(self) -> int:
        return len(self.chars)

    def clean(self, text: str) -> str:
        """``text`` lower-cased, white space runs made one space, characters outside the alphabet dropped."""
        if not isinstance(text, str):
            raise InputError(f"text must be a string, not a {type(text).__name__}")
        return self._drop.sub("", re.sub(r"\s+", " ", text.lower()))

    def encode(self, text: str) -> np.ndarray:
        """Ids of the characters of ``clean(text)`` (int64)."""
        return np.fromiter((self.index[c] for c in self.clean(text)), dtype=np.int64)

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.chars[int(i)] for i in ids)


def training_text(texts: Iterable[str], n_chars: int = TEXT_CHARS, random_state: int = 0,
                  vocab: CharVocab | None = None) -> str:
    """A seeded random subset of ``texts``, cleaned and joined with spaces, about ``n_chars`` characters long
    (the same for every model, so they can be compared)."""
    check_whole("n_chars", n_chars, 1_000, 100_000_000)
    vocab = vocab or CharVocab()
    texts = list(texts)
    if not texts:
        raise InputError("texts is empty; give at least one text to train on")
    order = np.random.default_rng(random_state).permutation(len(texts))
    parts, total = [], 0
    for i in order:
        part = vocab.clean(str(texts[i])).strip()
        if part:
            parts.append(part)
            total += len(part) + 1
            if total >= n_chars:
                break
    return " ".join(parts)[:n_chars]


def _network(kind: str, n_chars: int, hidden: int, layers: int, context: int):
    """The torch module of ``kind``: ids (batch, time) -> logits (batch, time, n_chars)."""
    import torch
    from torch import nn

    class Recurrent(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(n_chars, hidden)
            self.rnn = (nn.LSTM if kind == "lstm" else nn.GRU)(hidden, hidden, layers, batch_first=True)
            self.out = nn.Linear(hidden, n_chars)

        def forward(self, ids):
            return self.out(self.rnn(self.embed(ids))[0])

    class Transformer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(n_chars, hidden)
            self.position = nn.Embedding(context, hidden)
            layer = nn.TransformerEncoderLayer(hidden, HEADS, 4 * hidden, dropout=0.0, batch_first=True,
                                               norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(hidden)
            self.out = nn.Linear(hidden, n_chars)

        def forward(self, ids):
            t = ids.shape[1]
            x = self.embed(ids) + self.position(torch.arange(t, device=ids.device))[None]
            mask = nn.Transformer.generate_square_subsequent_mask(t, device=ids.device)
            return self.out(self.norm(self.encoder(x, mask=mask, is_causal=True)))

    return Transformer() if kind == "transformer" else Recurrent()


class CharModel:
    """A character-level language model (LSTM, GRU or tiny Transformer), sklearn-style.

    Parameters
    ----------
    kind : {"lstm", "gru", "transformer"}
    hidden : int
        Units per recurrent layer, or the Transformer's model width (a multiple of :data:`HEADS`).
    layers : int
        Recurrent or Transformer layers.
    context : int
        Characters per training window, and the history every prediction reads.
    steps, batch : int
        Adam steps, windows per step (the same budget gives every kind the same characters).
    lr : float
        Adam's learning rate.
    random_state : int
        Seeds the weights and the windows drawn.
    device : str or None
        "auto", "cpu", "cuda" or "mps"; None reads the environment (see :func:`core.device.resolve_device`).

    Attributes
    ----------
    vocab_ : CharVocab
    loss_curve_ : list of float
        Training loss of each step, in bits per character.
    val_bits_ : float
        Bits per character on held-out windows after training.
    train_seconds_ : float
    n_params_ : int
    """

    def __init__(self, kind: str = "lstm", hidden: int = 96, layers: int = 2, context: int = 48, steps: int = 300,
                 lr: float = 1e-2, batch: int = 64, random_state: int = 0, device: str | None = None) -> None:
        self.kind = kind
        self.hidden = hidden
        self.layers = layers
        self.context = context
        self.steps = steps
        self.lr = lr
        self.batch = batch
        self.random_state = random_state
        self.device = device

    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in ("kind", "hidden", "layers", "context", "steps", "lr", "batch",
                                              "random_state", "device")}

    def _check(self) -> None:
        if self.kind not in SEQUENCE_MODELS:
            raise InputError(f"kind={self.kind!r} is not known; choose one of {', '.join(SEQUENCE_MODELS)}")
        for name, lo, hi in (("hidden", 4, 1024), ("layers", 1, 8), ("context", 2, 1024), ("steps", 1, 1_000_000),
                             ("batch", 1, 4096), ("random_state", 0, 2**32 - 1)):
            check_whole(name, getattr(self, name), lo, hi)
        if self.kind == "transformer" and self.hidden % HEADS:
            raise InputError(f"hidden={self.hidden} must be a multiple of {HEADS} (the Transformer's heads)")
        check_real("lr", self.lr, 1e-6, 1.0, "1e-2 suits these small models")

    def fit(self, text: str | Iterable[str], y=None, progress: Progress = None) -> CharModel:
        """Train on ``text`` (one string, or texts joined with spaces) for ``steps`` steps; returns self."""
        import torch

        from core.device import resolve_device

        self._check()
        vocab = CharVocab()
        joined = vocab.clean(text if isinstance(text, str) else " ".join(str(t) for t in text))
        ids = vocab.encode(joined)
        cut = int(len(ids) * (1 - HELD_OUT))
        if cut < self.context + 2 or len(ids) - cut < self.context + 2:
            raise InputError(f"the text has {len(ids):,} characters of the alphabet; context={self.context} needs "
                             f"at least {int((self.context + 2) / HELD_OUT):,}: give more text or a shorter context")
        self.device_ = resolve_device(self.device)
        dev = torch.device(self.device_)
        seed = int(self.random_state)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            net = _network(self.kind, len(vocab), self.hidden, self.layers, self.context).to(dev)
        opt = torch.optim.Adam(net.parameters(), lr=self.lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, self.steps, eta_min=self.lr / 10)
        rng = np.random.default_rng(seed)
        train = torch.from_numpy(ids[:cut]).to(dev)
        span = torch.arange(self.context + 1, device=dev)
        self.loss_curve_: list[float] = []
        start = time.perf_counter()
        net.train()
        for step in range(self.steps):
            at = torch.from_numpy(rng.integers(0, cut - self.context - 1, size=self.batch)).to(dev)
            window = train[at[:, None] + span[None, :]]
            logits = net(window[:, :-1])
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), window[:, 1:].reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            bits = loss.item() / math.log(2)
            if not math.isfinite(bits):
                raise InputError(f"training diverged at step {step + 1} (loss {bits}); lower lr={self.lr:g}")
            self.loss_curve_.append(bits)
            if progress is not None:
                progress(step + 1, self.steps)
        self.train_seconds_ = time.perf_counter() - start
        net.eval()
        self.net_, self.vocab_ = net, vocab
        self.n_params_ = sum(p.numel() for p in net.parameters())
        self.val_bits_ = self._bits(ids[cut:], rng)
        return self

    def _bits(self, ids: np.ndarray, rng: np.random.Generator, n: int = 64) -> float:
        """Mean bits per character predicting ``ids`` in ``n`` random windows."""
        import torch

        dev = torch.device(self.device_)
        at = rng.integers(0, len(ids) - self.context - 1, size=n)
        window = torch.from_numpy(np.stack([ids[a:a + self.context + 1] for a in at])).to(dev)
        with torch.no_grad():
            logits = self.net_(window[:, :-1])
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, len(self.vocab_)), window[:, 1:].reshape(-1))
        return float(loss) / math.log(2)

    # ------------------------------------------------------------------------------------- saving weights
    def save(self, path: str | Path, extra: dict | None = None) -> Path:
        """Write the weights (float32) and everything else the page shows (parameters, loss curve, held-out
        bits, training time) to ``path``."""
        import torch

        self._fitted()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"params": {**self.get_params(), "device": None}, "alphabet": "".join(self.vocab_.chars),
                "loss_curve": self.loss_curve_, "val_bits": self.val_bits_, "train_seconds": self.train_seconds_,
                "n_params": self.n_params_, "trained_on": self.device_, **(extra or {})}
        state = {k: v.detach().cpu().float() for k, v in self.net_.state_dict().items()}
        torch.save({"state": state, "meta": json.dumps(meta)}, path)
        return path

    @classmethod
    def load(cls, path: str | Path, device: str | None = None) -> CharModel:
        """Read weights written by :meth:`save` (tensors and text only: never unpickles objects)."""
        import torch

        from core.device import resolve_device

        path = Path(path)
        if not path.is_file():
            raise InputError(f"no weights at {path}; run `embedlab train-sequence` to make them")
        device_ = resolve_device(device)  # an unavailable device says so itself
        try:
            blob = torch.load(path, map_location="cpu", weights_only=True)
            meta = json.loads(blob["meta"])
            model = cls(**{**meta["params"], "device": device})
            model._check()
            model.vocab_ = CharVocab(meta["alphabet"])
            net = _network(model.kind, len(model.vocab_), model.hidden, model.layers, model.context)
            net.load_state_dict(blob["state"])
            model.loss_curve_, model.val_bits_ = list(meta["loss_curve"]), float(meta["val_bits"])
            model.train_seconds_, model.n_params_ = float(meta["train_seconds"]), int(meta["n_params"])
        except InputError:
            raise
        except Exception as err:  # noqa: BLE001 (a damaged or foreign file: torch, json and shapes raise many kinds)
            raise InputError(f"the weights at {path} cannot be read ({type(err).__name__}); run `embedlab "
                             "train-sequence` to make them again") from None
        model.device_ = device_
        model.net_ = net.to(device_).eval()
        model.meta_ = meta
        return model

    # ----------------------------------------------------------------------------------------- prediction
    def _fitted(self) -> None:
        if not hasattr(self, "net_"):
            raise InputError("this CharModel is not trained yet; call fit(text) first")

    def _window(self, prefix: str) -> np.ndarray:
        ids = self.vocab_.encode(prefix)
        if len(ids) == 0:
            ids = self.vocab_.encode(" ")  # an empty prompt reads as the start of a word
        return ids[-self.context:]

    def _probs(self, windows: np.ndarray) -> np.ndarray:
        """Next-character probabilities after each row of ``windows`` (same length), float64."""
        import torch

        with torch.no_grad():
            logits = self.net_(torch.from_numpy(np.atleast_2d(windows)).to(self.device_))[:, -1]
            return torch.softmax(logits.double(), dim=-1).cpu().numpy()

    def next_char_probs(self, prefix: str) -> list[tuple[str, float]]:
        """Probability of every character coming next after ``prefix``, most likely first."""
        self._fitted()
        p = self._probs(self._window(prefix))[0]
        order = np.argsort(-p, kind="stable")
        return [(self.vocab_.chars[i], float(p[i])) for i in order]

    def sample(self, prefix: str, n_chars: int = 100, temperature: float = 1.0, seed: int = 0) -> str:
        """``n_chars`` characters following ``prefix``, drawn one at a time from the model's probabilities sharpened
        (temperature < 1) or flattened (> 1) as ``p ** (1 / temperature)``; temperature 0 takes the most likely
        character every time. The same seed gives the same text. Returns the continuation only."""
        self._fitted()
        check_whole("n_chars", n_chars, 1, 10_000)
        check_real("temperature", temperature, 0.0, MAX_TEMPERATURE, "0 is greedy, 1 samples the model as it is")
        check_whole("seed", seed, 0, 2**32 - 1)
        rng = np.random.default_rng(seed)
        ids = list(self._window(prefix))
        out = []
        for _ in range(n_chars):
            p = self._probs(np.asarray(ids[-self.context:]))[0]
            if temperature < 1e-3:
                nxt = int(np.argmax(p))
            else:
                logp = np.log(np.maximum(p, 1e-300)) / temperature
                q = np.exp(logp - logp.max())
                nxt = int(rng.choice(len(q), p=q / q.sum()))
            ids.append(nxt)
            out.append(nxt)
        return self.vocab_.decode(out)

    def complete_word(self, prefix: str, k: int = 5, max_len: int = 20) -> list[tuple[str, float]]:
        """The ``k`` most likely completions of the word ``prefix`` ends in (a beam search over characters until a
        space or punctuation), with their probabilities; after a space, the most likely next words."""
        self._fitted()
        check_whole("k", k, 1, 50)
        check_whole("max_len", max_len, 1, 100)
        clean = self.vocab_.clean(prefix)
        partial = re.search(r"[a-z0-9]*$", clean).group(0)
        window = self._window(clean)
        width = max(2 * k, 8)
        beams: list[tuple[list[int], float]] = [([], 0.0)]
        done: list[tuple[str, float]] = []
        for _ in range(max_len):
            if not beams:
                break
            rows = np.stack([np.concatenate([window, b]).astype(np.int64)[-self.context:] for b, _ in beams])
            logp = np.log(np.maximum(self._probs(rows), 1e-300))
            grown = []
            for (b, lp), row in zip(beams, logp, strict=True):
                for c in np.argsort(-row)[:width]:
                    grown.append((b + [int(c)], lp + float(row[c])))
            grown.sort(key=lambda x: -x[1])
            beams = []
            for b, lp in grown[:width]:
                if self.vocab_.chars[b[-1]] in WORD_CHARS:
                    beams.append((b, lp))
                elif len(b) > 1 or partial:  # a word ends here (a bare space after a space is no word)
                    done.append((partial + self.vocab_.decode(b[:-1]), lp))
            ends = sorted((lp for _, lp in done), reverse=True)
            if len(ends) >= k and beams and ends[k - 1] > beams[0][1]:  # no live beam can overtake the k-th word
                break
        words: dict[str, float] = {}
        for word, lp in done:  # a word ended by a space or by a comma is the same word
            words[word] = words.get(word, 0.0) + math.exp(lp)
        return sorted(words.items(), key=lambda x: -x[1])[:k]


# ------------------------------------------------------------------------------------------ shipped weights
def shipped_path(kind: str, out_dir: str | Path = SHIPPED_DIR) -> Path:
    return Path(out_dir) / f"foldoc-{kind}.pt"


def shipped(kind: str, device: str | None = None) -> CharModel:
    """The model of ``kind`` the project trained on FOLDOC with the default recipe (``data/models/sequence``)."""
    if kind not in SEQUENCE_MODELS:
        raise InputError(f"kind={kind!r} is not known; choose one of {', '.join(SEQUENCE_MODELS)}")
    return CharModel.load(shipped_path(kind), device=device)


def rebuild_shipped(text: str, out_dir: str | Path = SHIPPED_DIR, kinds: Iterable[str] = tuple(SEQUENCE_MODELS),
                    device: str | None = None, log: Callable[[str], None] = print) -> list[dict]:
    """Train one model of each kind with the default recipe on ``text`` (:func:`training_text` of FOLDOC), save
    them, and rewrite ``metrics.json`` and the model card (``README.md``) in ``out_dir``."""
    import hashlib

    import torch

    kinds = list(dict.fromkeys(kinds))  # each once
    for kind in kinds:
        if kind not in SEQUENCE_MODELS:
            raise InputError(f"kind={kind!r} is not known; choose one of {', '.join(SEQUENCE_MODELS)}")
    out_dir = Path(out_dir)
    old = out_dir / "metrics.json"
    rows = [r for r in json.loads(old.read_text(encoding="utf-8")) if r["kind"] not in kinds] if old.is_file() else []
    for kind in kinds:
        model = CharModel(kind, device=device).fit(
            text, progress=lambda done, total, k=kind: log(f"  {k}: step {done} of {total}") if done % 100 == 0
            else None)
        model.save(shipped_path(kind, out_dir))
        rows.append({"kind": kind, "params": {k: v for k, v in model.get_params().items() if k != "device"},
                     "n_params": model.n_params_, "val_bits": round(model.val_bits_, 4),
                     "final_train_bits": round(float(np.mean(model.loss_curve_[-10:])), 4),
                     "train_seconds": round(model.train_seconds_, 1), "device": model.device_,
                     "text_chars": len(text), "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
                     "torch": torch.__version__, "threads": torch.get_num_threads()})
        log(f"{kind}: held-out {model.val_bits_:.3f} bits/char, {model.train_seconds_:.0f} s")
    rows.sort(key=lambda r: list(SEQUENCE_MODELS).index(r["kind"]))
    (out_dir / "metrics.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    (out_dir / "README.md").write_text(model_card(rows), encoding="utf-8")
    return rows


def model_card(rows: list[dict]) -> str:
    """The model card of the shipped character models, from their ``metrics.json`` rows."""
    spec = CharModel()
    names = {"lstm": "LSTM", "gru": "GRU", "transformer": "Transformer"}
    table = "\n".join(f"| {names[r['kind']]} | {r['n_params']:,} | {r['val_bits']:.2f} | {r['final_train_bits']:.2f} | "
                      f"{r['train_seconds']:.1f} s | {r['device']} |" for r in rows)
    return f"""# Model card: EmbedLab's character-level sequence models

Made by `embedlab train-sequence` (`core/represent/sequence.py`: `rebuild_shipped`, `model_card`); run it again to
rebuild every file here and this card. Used by the Sequence models page, which trains a model itself only when
its file here is missing.

## Data
FOLDOC, the Free On-line Dictionary of Computing (Denis Howe; GNU Free Documentation License), as `make` fetches it
for the search lab: a seeded random subset of its entries (`training_text(texts, {TEXT_CHARS:,}, random_state=0)`),
lower-cased, white space runs made one space, characters outside the {len(ALPHABET)}-character alphabet dropped.
The last {HELD_OUT:.0%} of that text is held out: never trained on, it gives the held-out figure below.

## Recipe
One model of each kind, the same budget for all: {spec.steps} Adam steps (learning rate {spec.lr:g}, cosine decay
to a tenth, gradients clipped at norm 1), each on {spec.batch} random windows of the training part: {spec.context}
characters read, each position predicting the next one ({spec.context + 1} characters a window); seed
{spec.random_state} (weights and windows).
LSTM / GRU: a {spec.hidden}-wide character embedding, {spec.layers} recurrent layers of {spec.hidden} units, a
linear read-out. Transformer: embedding plus learned positions, {spec.layers} pre-norm encoder layers of width
{spec.hidden} with {HEADS} heads and a causal mask, no dropout. Weights stored as float32.

## Metric: bits per character (lower is better; a blind guess among {len(ALPHABET)} characters is \
{math.log2(len(ALPHABET)):.2f})

| model | parameters | held-out bits/char | training bits/char (last 10 steps) | training time | device |
|---|---:|---:|---:|---:|---|
{table}

Held-out: the mean over 64 random windows of the held-out tail.

## Limits
- Tiny models on a small budget, for teaching how next-character prediction works, not for writing text: they
  learn spelling, common words and FOLDOC's phrasing, not meaning.
- Retraining gives the same weights on the same kind of CPU with the same torch, thread count and FOLDOC text
  (`metrics.json` records the text's SHA-256, the torch version and the threads); elsewhere they differ slightly.
"""
