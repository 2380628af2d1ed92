"""Semantic search: every document embedded once with the MiniLM sentence encoder, a query answered by
cosine similarity; hybrid search by reciprocal rank fusion; how much rankers agree across paraphrases.

>>> from core.search.corpus import load_corpus
>>> from core.search.semantic import make_search_ranker
>>> web = load_corpus("foldoc")                                              # doctest: +SKIP
>>> semantic = make_search_ranker("semantic", web)   # embeds the corpus once, then reads the cache  # doctest: +SKIP
>>> [web.titles[r] for r in semantic.search("storing numbers with a decimal point", k=3).rows]  # doctest: +SKIP

Embedding the corpus fast (:class:`CorpusEncoder`)
--------------------------------------------------
sentence-transformers' ``model.encode(texts)`` (all-MiniLM-L6-v2: 256 tokens, batches of 32) runs
about 40 FOLDOC entries a second on two CPU cores: about five minutes for the 12,017 entries. The
fast path computes the same kind of vector (mean of the last layer's token vectors, L2-normalised)
with four changes, each measured on this corpus (``python -m bench semantic``):

1. **Batches by token count.** Every text is tokenised once, sorted by its (truncated) token count and
   cut into batches of about ``TOKEN_BUDGET`` (1,024) padded tokens. sentence-transformers sorts by
   character count and pads each batch of 32 to its longest member: a quarter of the tokens it runs
   on FOLDOC are padding, and batches of up to 32 x 256 tokens make 50 MB intermediate tensors that
   the C library maps and unmaps at every layer (hundreds of thousands of page faults). Same
   vectors, about 1.3-1.4x faster.
2. **One batch per core.** Two batches run at once, each with one torch thread, instead of each
   matrix product split across both cores (small products split badly). About 1.1-1.2x.
3. **int8 matrix products** (CPU only): torch's dynamic quantization (fbgemm) of the transformer's
   linear layers, weights per output channel. Linear layers are ~70-75 % of the time and run about
   2x faster in int8. Vectors move a little: cosine to float32's is 0.98 on average (0.95 at worst);
   retrieval hardly notices (MRR within 0.01 of float32 at the same length). Where torch cannot
   quantize (no fbgemm, a future torch without ``torch.ao.quantization``) it stays float32.
4. **The first 128 tokens** (``MAX_TOKENS``) of each document, the length the model was trained
   on, instead of 256: 24 % of FOLDOC's entries are longer, and attention costs grow with the square
   of the length. An entry's title and opening definition always fit.

All four: about 2.6-3x sentence-transformers' default on two cores. The evaluation's semantic MRR is
*higher* than with the default's vectors (by 0.02-0.03: the query set is made of each entry's
opening sentence, which 128 tokens keep and dilute less); what 128 tokens lose, the end of long
documents, that query set does not measure. At 256 tokens (``CorpusEncoder(max_tokens=256)``) the
fast path is about 2.2x with MRR within 0.01 of the default.

On a GPU (CUDA) the fast path is float16 with the same batching (larger batches).

Queries go through the same fast model (:meth:`CorpusEncoder.encode_queries`, up to 256 tokens): a
short query reads every weight once, and int8 weights are a quarter of float32's 42 MB, so encoding
one takes about 6 ms instead of 13 ms on two cores (MRR 0.009 lower than with float32 queries).
:class:`QueryEncoder` is the exact float32 encoder, as sentence-transformers computes it.

The cache (:func:`corpus_embeddings`)
-------------------------------------
The vectors are computed once per corpus text and encoder settings and kept on disk as a plain
``.npy`` (float32, one unit row per document): for the built-in FOLDOC corpus beside the corpus
(``corpora_dir() / "foldoc"``, shared by every process and the test suite; set-up computes it), for any
other corpus under ``cache_dir() / "search"``. The file name carries a hash of the texts and the
settings; writes go to a temporary file renamed into place; a file that does not load, or has the
wrong shape or non-unit rows, is computed again.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import tempfile
import threading
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.errors import InputError
from core.search.corpus import FOLDOC_CREDIT, Corpus, corpora_dir
from core.search.lexical import RANKERS, Index, Results, make_ranker, query_words

DIM = 384
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MAX_TOKENS = 128  # documents are embedded from their first 128 tokens (the model was trained on 128)
TOKEN_BUDGET = 1024  # padded tokens per batch on the CPU
MAX_BATCH = 256  # texts per batch at most
TEXT_VERSION = 1  # bump when document_text changes: the cache key includes it
SEARCH_RANKERS = (*RANKERS, "semantic", "hybrid")

Progress = Callable[[int, int], None]

_LINK = re.compile(r"\{([^{}]*)\}")
_DATE = re.compile(r"\(\d{4}-\d{2}-\d{2}\)\s*$")


# ------------------------------------------------------------------------------------------ texts
def document_text(corpus: Corpus, row: int) -> str:
    """The text document ``row`` is embedded from: its title (and aliases), then its definition, with
    FOLDOC's markup cleaned: ``{link}`` braces removed, trailing date stamps ``(1998-02-03)`` dropped,
    whitespace collapsed. Other corpora: the same cleaning of their text (title first if missing)."""
    title, text = corpus.titles[row], corpus.texts[row]
    head, sep, body = text.partition("\n\n")
    if sep:
        lines = [ln.strip() for ln in head.split("\n") if ln.strip()]
        if not lines or lines[0] != title.strip():
            lines.insert(0, title.strip())
        head = " ".join(lines) + "."
    else:
        head, body = ("" if text.lstrip().startswith(title.strip()) else title.strip() + "."), text
    body = _LINK.sub(r"\1", body).strip()
    while True:  # some entries end with more than one stamp
        cut = _DATE.sub("", body).rstrip()
        if cut == body:
            break
        body = cut
    return " ".join(f"{head} {body}".split())


def document_texts(corpus: Corpus) -> list[str]:
    """:func:`document_text` of every document (worked out once per corpus object)."""
    memo = getattr(corpus, "_document_texts", None)
    if memo is None or memo[0] is not corpus.texts or len(memo[1]) != corpus.n:
        memo = (corpus.texts, [document_text(corpus, i) for i in range(corpus.n)])
        corpus._document_texts = memo
    return memo[1]


# ---------------------------------------------------------------------------------------- encoders
_ENCODE_LOCK = threading.Lock()  # one corpus encode at a time per process: it sets torch's thread count
_CACHE_LOCK = threading.RLock()  # one cache fill at a time: a second caller waits, then reads the file


def _int8_layers(model) -> set[str]:
    """The linear layers of the transformer's blocks (the pooler, unused for sentence vectors, aside)."""
    import torch

    return {name for name, mod in model.named_modules()
            if isinstance(mod, torch.nn.Linear) and not name.startswith("pooler")}


def _quantized(model):
    """A copy of ``model`` whose block linear layers run int8 (torch's dynamic quantization with fbgemm:
    weights per output channel, activations per batch), or None where torch cannot do it here."""
    import torch

    if not {"x86", "fbgemm"} & set(getattr(torch.backends.quantized, "supported_engines", [])):
        return None
    try:
        with warnings.catch_warnings():  # torch.ao.quantization warns that torchao replaces it
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            warnings.simplefilter("ignore", UserWarning)
            from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

            qconfig = {name: per_channel_dynamic_qconfig for name in _int8_layers(model)}
            quantized = quantize_dynamic(model, qconfig, inplace=False)
            with torch.inference_mode():  # fail here, not halfway through a corpus, if a kernel is missing
                ids = torch.ones((1, 4), dtype=torch.long)
                quantized(input_ids=ids, attention_mask=ids)
        return quantized.eval()
    except Exception:  # noqa: BLE001 - any failure: stay in float32
        return None


class QueryEncoder:
    """all-MiniLM-L6-v2 in float32, exactly as sentence-transformers encodes (mean of the last layer's
    token vectors, L2-normalised, 256 tokens at most): the encoder of queries. Calls give
    ``(len(texts), 384)`` float32 unit rows. The weights are :func:`core.embed.encoders.get_encoder`'s
    (loaded once per process, on the device :mod:`core.device` picks) and are never changed here."""

    dim = DIM
    query_tokens = 256

    def __init__(self, device: str | None = None) -> None:
        import torch

        from core.embed.encoders import get_encoder

        base = get_encoder("minilm", device)
        module = base.model[0]
        self.torch = torch
        self.device = base.device
        self.tokenizer = module.tokenizer
        self.model = module.auto_model

    def _ids(self, texts: Sequence[str], max_tokens: int) -> list[list[int]]:
        return self.tokenizer(list(texts), truncation=True, max_length=max_tokens, padding=False,
                              return_attention_mask=False, return_token_type_ids=False)["input_ids"]

    def _forward(self, model, ids: list[list[int]], rows: Sequence[int]) -> np.ndarray:
        """Unit sentence vectors of the token lists ``ids[r]`` for ``r`` in ``rows`` (one padded batch)."""
        torch = self.torch
        lens = [len(ids[r]) for r in rows]
        batch = torch.full((len(rows), max(lens)), self.tokenizer.pad_token_id or 0, dtype=torch.long)
        mask = torch.zeros((len(rows), max(lens)), dtype=torch.long)
        for i, r in enumerate(rows):
            batch[i, :lens[i]] = torch.as_tensor(ids[r], dtype=torch.long)
            mask[i, :lens[i]] = 1
        batch, mask = batch.to(self.device), mask.to(self.device)
        with torch.inference_mode():
            hidden = model(input_ids=batch, attention_mask=mask).last_hidden_state.float()
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
            return torch.nn.functional.normalize(pooled, dim=-1).cpu().numpy().astype(np.float32)

    def __call__(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, DIM), np.float32)
        out = self._forward(self.model, self._ids(texts, self.query_tokens), range(len(texts)))
        if progress:
            progress(len(texts), len(texts))
        return out


class CorpusEncoder(QueryEncoder):
    """The fast path for many documents (see the module docstring): token-count batches, the first
    ``max_tokens`` tokens, int8 linear layers on the CPU (float16 on CUDA), one batch per CPU thread.

    Parameters
    ----------
    device : None (``core.device``'s choice), "cpu", "cuda" or "mps"
    max_tokens : tokens per document (the model was trained on 128)
    int8 : quantize the linear layers on the CPU (falls back to float32 where torch cannot)
    token_budget : padded tokens per batch (small batches keep every tensor in the CPU's caches and
        out of the kernel's page-fault path)
    workers : batches in flight at once, one torch thread each (default: torch's thread count)
    """

    def __init__(self, device: str | None = None, max_tokens: int = MAX_TOKENS, int8: bool = True,
                 token_budget: int | None = None, workers: int | None = None) -> None:
        super().__init__(device)
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, (int, np.integer)) or not 8 <= max_tokens <= 512:
            raise InputError(f"max_tokens={max_tokens!r} must be a whole number from 8 to 512")
        self.max_tokens = int(max_tokens)
        self.doc_model, self.precision = self.model, "float32"
        if self.device == "cuda":
            self.doc_model, self.precision = copy.deepcopy(self.model).half().eval(), "float16"
        elif self.device == "cpu" and int8:
            quantized = _quantized(self.model)
            if quantized is not None:
                self.doc_model, self.precision = quantized, "int8"
        on_cpu = self.device == "cpu"
        self.token_budget = int(token_budget or (TOKEN_BUDGET if on_cpu else 16 * TOKEN_BUDGET))
        self.workers = int(workers or (max(1, self.torch.get_num_threads()) if on_cpu else 1))

    @property
    def settings(self) -> dict:
        """What the vectors depend on (the cache key): not the device or precision, each path being held
        to the same tolerance."""
        return _settings(self.max_tokens)

    def batches(self, ids: list[list[int]]) -> list[np.ndarray]:
        """Row numbers per batch: longest first, about ``token_budget`` padded tokens each."""
        lens = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        order = np.argsort(-lens, kind="stable")
        out, start = [], 0
        while start < len(order):
            size = max(1, min(MAX_BATCH, self.token_budget // max(1, int(lens[order[start]]))))
            out.append(order[start:start + size])
            start += size
        return out

    def __call__(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Unit vectors of ``texts`` (in their order); ``progress(done, total)`` after each batch."""
        texts = list(texts)
        out = np.zeros((len(texts), DIM), np.float32)
        if not texts:
            return out
        ids = self._ids(texts, self.max_tokens)
        batches = self.batches(ids)
        done = 0
        if progress:
            progress(0, len(texts))
        with _ENCODE_LOCK, self._one_thread_each():
            pool = ThreadPoolExecutor(self.workers) if self.workers > 1 else None
            try:
                results = (pool.map(lambda rows: self._forward(self.doc_model, ids, rows), batches) if pool else
                           (self._forward(self.doc_model, ids, rows) for rows in batches))
                for rows, vectors in zip(batches, results, strict=True):
                    out[rows] = vectors
                    done += len(rows)
                    if progress:
                        progress(done, len(texts))
            finally:
                if pool:  # a progress callback that raises (a page rerun) must not wait for the whole corpus
                    pool.shutdown(wait=True, cancel_futures=True)
        return out

    def encode_queries(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """A few texts (queries) with the fast model, up to 256 tokens each, in one batch."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, DIM), np.float32)
        return self._forward(self.doc_model, self._ids(texts, self.query_tokens), range(len(texts)))

    @contextmanager
    def _one_thread_each(self):
        if self.workers <= 1 or self.device != "cpu":
            yield
            return
        before = self.torch.get_num_threads()
        self.torch.set_num_threads(1)
        try:
            yield
        finally:
            self.torch.set_num_threads(before)


@lru_cache(maxsize=2)
def get_query_encoder(device: str | None = None) -> QueryEncoder:
    return QueryEncoder(device)


@lru_cache(maxsize=2)
def get_corpus_encoder(device: str | None = None) -> CorpusEncoder:
    return CorpusEncoder(device)


# ------------------------------------------------------------------------------------------- cache
def _settings(max_tokens: int = MAX_TOKENS) -> dict:
    return {"name": f"minilm-{max_tokens}", "model": MODEL_NAME, "pooling": "mean", "max_tokens": max_tokens,
            "text": TEXT_VERSION}


def _encoder_settings(encoder) -> dict:
    if encoder is None:
        return _settings()
    settings = getattr(encoder, "settings", None)
    if isinstance(settings, dict):
        return settings
    name = getattr(encoder, "__qualname__", type(encoder).__qualname__)
    return {"name": "custom", "encoder": f"{getattr(encoder, '__module__', '')}.{name}"}


def _is_builtin(corpus: Corpus) -> bool:
    return corpus.name == "foldoc" and corpus.credit == FOLDOC_CREDIT


def _key(texts: Sequence[str], settings: dict) -> str:
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for text in texts:
        digest.update(text.encode("utf-8", errors="surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def cache_paths(corpus: Corpus, encoder=None) -> list[Path]:
    """Where the corpus's vectors are looked for, in order (the first is where they are written):
    FOLDOC's beside the corpus, then under ``cache_dir()/search`` (where they go if that folder cannot
    be written); any other corpus's only under ``cache_dir()/search``."""
    from core.paths import cache_dir

    settings = _encoder_settings(encoder)
    key = _key(document_texts(corpus), settings)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", corpus.name)[:40] or "corpus"
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(settings.get("name", "custom")))[:40]
    user = cache_dir() / "search" / f"{slug}-{name}-{key}.npy"
    if _is_builtin(corpus):
        return [corpora_dir() / "foldoc" / f"embeddings-{name}-{key}.npy", user]
    return [user]


def _load(path: Path, n: int, dim: int | None) -> np.ndarray | None:
    """The cached vectors if ``path`` holds a valid (n, dim) float32 array of unit rows, else None."""
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if not isinstance(arr, np.ndarray) or arr.dtype != np.float32 or arr.ndim != 2 or arr.shape[0] != n:
        return None
    if dim is not None and arr.shape[1] != dim:
        return None
    norms = np.linalg.norm(arr, axis=1)
    if not np.all(np.isfinite(norms)) or not np.all((np.abs(norms - 1) < 1e-3) | (norms == 0)):
        return None
    return arr


def _save(arr: np.ndarray, path: Path) -> bool:
    """Write ``arr`` to ``path`` atomically (a temporary file in the same folder, then a rename)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, arr, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        return True
    except OSError:
        return False
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _unit_rows(arr: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    return np.divide(arr, norms, out=np.zeros_like(arr), where=norms > 0)


def embeddings_cached(corpus: Corpus, encoder=None) -> bool:
    """Whether :func:`corpus_embeddings` will read the vectors from disk rather than compute them (a
    quick check of the file's header and size; the full check is made when it is read)."""
    dim = getattr(encoder, "dim", None) if encoder is not None else DIM
    for path in cache_paths(corpus, encoder):
        try:
            arr = np.load(path, mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError, EOFError):
            continue
        if arr.dtype == np.float32 and arr.ndim == 2 and arr.shape[0] == corpus.n and dim in (None, arr.shape[1]):
            return True
    return False


def corpus_embeddings(corpus: Corpus, progress: Progress | None = None, encoder=None) -> np.ndarray:
    """Unit vectors of every document of ``corpus`` (float32, ``(corpus.n, 384)``), one row per document,
    from :func:`document_text`; computed once and cached on disk (see the module docstring).

    ``progress(done, total)`` is called while they are computed (not when they are read).
    ``encoder``: any callable ``encoder(texts, progress) -> (len(texts), d)`` array instead of
    :class:`CorpusEncoder` (its ``settings`` dict, or its name, goes into the cache key).
    """
    if corpus.n == 0:
        raise InputError("the corpus has no documents")
    dim = getattr(encoder, "dim", None) if encoder is not None else DIM
    paths = cache_paths(corpus, encoder)
    for path in paths:
        if (hit := _load(path, corpus.n, dim)) is not None:
            return hit
    with _CACHE_LOCK:
        for path in paths:  # another thread may have filled it meanwhile
            if (hit := _load(path, corpus.n, dim)) is not None:
                return hit
        encode = encoder if encoder is not None else get_corpus_encoder()
        arr = np.asarray(encode(document_texts(corpus), progress=progress), dtype=np.float32)
        if arr.ndim != 2 or arr.shape[0] != corpus.n or (dim is not None and arr.shape[1] != dim):
            raise InputError(f"the encoder returned an array of shape {arr.shape} for {corpus.n} documents")
        arr = _unit_rows(arr)
        for path in paths:
            if _save(arr, path):
                break
        return arr


# ----------------------------------------------------------------------------------------- rankers
def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= 1000:
        raise InputError(f"k={k!r} must be a whole number from 1 to 1000")
    return int(k)


def query_terms(query: str) -> list[str]:
    """The query checked as the keyword rankers check it; its words, each once."""
    return query_words(query)


class SemanticRanker:
    """Cosine similarity between the query's vector and every document's.

    Parameters
    ----------
    embeddings : (n, d) document vectors (rows are made unit length if they are not)
    encoder : callable ``encoder([query]) -> (1, d)``; default MiniLM's fast path
        (:meth:`CorpusEncoder.encode_queries`)
    """

    name = "semantic"

    def __init__(self, embeddings: np.ndarray, encoder=None) -> None:
        arr = np.asarray(embeddings)
        if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0 or not np.issubdtype(arr.dtype, np.floating):
            raise InputError(f"embeddings must be a non-empty 2-D float array (documents x dimensions), "
                             f"not shape {arr.shape} of {arr.dtype}")
        arr = arr.astype(np.float32, copy=False)
        norms = np.linalg.norm(arr, axis=1)
        if not np.all(np.isfinite(norms)):
            raise InputError("embeddings contain NaN or infinite values")
        if not np.all((np.abs(norms - 1) < 1e-3) | (norms == 0)):
            arr = _unit_rows(arr)
        self.embeddings = arr
        self._encoder = encoder

    @property
    def encoder(self):
        if self._encoder is None:
            self._encoder = get_corpus_encoder().encode_queries
        return self._encoder

    @property
    def n(self) -> int:
        return self.embeddings.shape[0]

    def embed(self, query: str) -> np.ndarray:
        """The query's unit vector (checked like a keyword query)."""
        query_terms(query)
        vec = np.asarray(self.encoder([query]), dtype=np.float32).reshape(-1)
        if vec.shape[0] != self.embeddings.shape[1]:
            raise InputError(f"the query encoder gives {vec.shape[0]}-d vectors but the documents are "
                             f"{self.embeddings.shape[1]}-d; embed both with the same encoder")
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else vec

    def scores(self, query: str) -> tuple[np.ndarray, list[str]]:
        """Cosine of every document with the query, and the query's words."""
        terms = query_terms(query)
        return self.embeddings @ self.embed(query), terms

    def search(self, query: str, k: int = 10) -> Results:
        """The ``k`` documents most similar to the query, best first (ties: lower row first)."""
        k = _check_k(k)
        scores, terms = self.scores(query)
        rows = _top(scores, k)
        return Results(rows, scores[rows], terms)


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    idx = np.arange(len(scores)) if len(scores) <= k else np.argpartition(-scores, k - 1)[:k]
    return idx[np.lexsort((idx, -scores[idx]))]


@dataclass
class HybridResults(Results):
    """Results of :class:`HybridRanker`, with each row's rank (1-based) in the lists it fused:
    ``ranks["lexical"][i]`` and ``ranks["semantic"][i]`` for ``rows[i]``, 0 where the row was not in
    that list's top ``depth``."""

    ranks: dict[str, np.ndarray] = field(default_factory=dict)


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], k_rrf: float = 60) -> tuple[np.ndarray, np.ndarray,
                                                                                          np.ndarray]:
    """Fuse ranked lists: a document scores ``sum over lists of 1 / (k_rrf + its 1-based rank)``.

    Returns ``(rows, scores, ranks)``: every document of any list, best first (ties: the better best
    rank, then the lower row), and ``ranks[i, j]`` = its rank in list ``j`` (0 = absent).
    """
    if isinstance(k_rrf, bool) or not isinstance(k_rrf, (int, float, np.integer, np.floating)) or not \
            0 <= k_rrf <= 10_000:
        raise InputError(f"k_rrf={k_rrf!r} must be a number from 0 to 10000 (60 is usual)")
    ranks: dict[int, list[int]] = {}
    for j, ranking in enumerate(rankings):
        for r, row in enumerate(ranking):
            ranks.setdefault(int(row), [0] * len(rankings))
            if ranks[int(row)][j] == 0:  # a repeated row keeps its first (best) rank
                ranks[int(row)][j] = r + 1
    if not ranks:
        return np.zeros(0, np.int64), np.zeros(0, np.float64), np.zeros((0, len(rankings)), np.int64)
    rows = np.fromiter(ranks, dtype=np.int64, count=len(ranks))
    table = np.asarray([ranks[r] for r in rows.tolist()], dtype=np.int64).reshape(len(rows), len(rankings))
    with np.errstate(divide="ignore"):
        parts = np.where(table > 0, 1.0 / (k_rrf + table), 0.0)
    scores = parts.sum(axis=1)
    best = np.where(table > 0, table, np.iinfo(np.int64).max).min(axis=1)
    order = np.lexsort((rows, best, -scores))
    return rows[order], scores[order], table[order]


class HybridRanker:
    """Reciprocal rank fusion of a keyword ranker and a semantic one: each document of either's top
    ``depth`` scores ``1 / (k_rrf + rank)`` per list it is in (Cormack et al., 2009, k_rrf = 60)."""

    name = "hybrid"

    def __init__(self, lexical, semantic, k_rrf: float = 60, depth: int = 100) -> None:
        reciprocal_rank_fusion([], k_rrf)  # checks k_rrf
        if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or not 1 <= depth <= 1000:
            raise InputError(f"depth={depth!r} must be a whole number from 1 to 1000")
        self.lexical, self.semantic = lexical, semantic
        self.k_rrf, self.depth = float(k_rrf), int(depth)

    def search(self, query: str, k: int = 10) -> HybridResults:
        k = _check_k(k)
        depth = max(self.depth, k)
        sem = self.semantic.search(query, k=depth)
        lex = self.lexical.search(query, k=depth)
        rows, scores, ranks = reciprocal_rank_fusion([lex.rows, sem.rows], self.k_rrf)
        rows, scores, ranks = rows[:k], scores[:k], ranks[:k]
        return HybridResults(rows, scores, sem.terms, ranks={"lexical": ranks[:, 0], "semantic": ranks[:, 1]})


# ----------------------------------------------------------------------------------- paraphrases
# One information need, several phrasings; each need has one clearly relevant FOLDOC entry (TARGETS).
PARAPHRASES: dict[str, list[str]] = {
    "floating point": ["how do computers store numbers with a decimal point", "floating point representation",
                       "representing real numbers in binary", "numbers with a mantissa and an exponent"],
    "garbage collection": ["automatically freeing memory that a program no longer uses", "garbage collection",
                           "reclaiming unreachable objects from the heap", "how a runtime cleans up unused memory"],
    "deadlock": ["two processes each waiting for the other to release a resource", "deadlock",
                 "programs stuck forever waiting on each other's locks", "circular wait between threads"],
    "public-key encryption": ["encryption with a public key and a private key", "public-key cryptography",
                              "asymmetric encryption", "how can two strangers exchange secret messages"],
    "compiler": ["a program that translates source code into machine code", "compiler",
                 "turning a high-level language into executable instructions"],
    "virtual memory": ["using disk space to pretend there is more RAM", "virtual memory",
                       "swapping pages of memory out to the hard disk",
                       "giving each program an address space larger than physical memory"],
}
PARAPHRASE_TARGETS: dict[str, str] = {"floating point": "floating-point", "garbage collection": "garbage collection",
                                      "deadlock": "deadlock", "public-key encryption": "public-key encryption",
                                      "compiler": "compiler", "virtual memory": "virtual memory"}


def jaccard(a, b) -> float:
    """|A ∩ B| / |A ∪ B| of two sets of rows; 0.0 when both are empty (no results agree on nothing)."""
    a, b = {int(x) for x in a}, {int(x) for x in b}
    return len(a & b) / len(a | b) if a or b else 0.0


def agreement(ranker, phrasings: Sequence[str], k: int = 10) -> dict:
    """How much ``ranker``'s top ``k`` agree across ``phrasings`` of one information need.

    Returns a dict: ``mean`` (mean Jaccard similarity of the top-``k`` sets over all pairs of
    phrasings, 0..1), ``matrix`` (the pairwise Jaccard, 1 on the diagonal), ``tops`` (each phrasing's
    top-``k`` rows) and ``phrasings``.
    """
    k = _check_k(k)
    phrasings = list(phrasings)
    if len(phrasings) < 2:
        raise InputError("give at least two phrasings of the same need to compare")
    if len(phrasings) > 20:
        raise InputError(f"{len(phrasings)} phrasings is too many; keep it to 20")
    tops = [ranker.search(p, k=k).rows for p in phrasings]
    m = len(tops)
    matrix = np.eye(m)
    for i in range(m):
        for j in range(i + 1, m):
            matrix[i, j] = matrix[j, i] = jaccard(tops[i], tops[j])
    mean = float(matrix[np.triu_indices(m, 1)].mean())
    return {"mean": mean, "matrix": matrix, "tops": tops, "phrasings": phrasings}


# ---------------------------------------------------------------------------------------- registry
def make_search_ranker(name: str, corpus: Corpus, index: Index | None = None, progress: Progress | None = None,
                       **params):
    """Any ranker of the search lab by name: the keyword ones (``tf``, ``tfidf``, ``bm25``, see
    :func:`core.search.lexical.make_ranker`; ``params`` go to them), ``semantic`` (the corpus's MiniLM
    vectors, computed once with ``progress``) or ``hybrid`` (``params``: ``lexical`` = the keyword
    ranker's name, default ``bm25``, and its own parameters; ``k_rrf``; ``depth``).
    ``index`` is the corpus's keyword index (built from ``corpus.texts`` if not given)."""
    if name not in SEARCH_RANKERS:
        raise InputError(f"ranker {name!r} is not known; choose one of {', '.join(SEARCH_RANKERS)}")
    if name in RANKERS:
        return make_ranker(name, index if index is not None else Index.build(corpus.texts), **params)
    if name == "semantic":
        if params:
            raise InputError(f"semantic does not take {', '.join(params)}")
        return SemanticRanker(corpus_embeddings(corpus, progress=progress))
    fusion = {key: params.pop(key) for key in ("k_rrf", "depth") if key in params}
    lexical = params.pop("lexical", "bm25")
    if lexical not in RANKERS:
        raise InputError(f"lexical={lexical!r} is not a keyword ranker; choose one of {', '.join(RANKERS)}")
    keyword = make_search_ranker(lexical, corpus, index, **params)
    return HybridRanker(keyword, make_search_ranker("semantic", corpus, progress=progress), **fusion)
