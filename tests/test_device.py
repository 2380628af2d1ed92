"""The one place that picks where torch runs."""

from __future__ import annotations

import os

import numpy as np
import pytest

from core import device
from core.device import resolve_device
from core.errors import InputError


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv("EMBEDLAB_DEVICE", raising=False)


def test_auto_is_cpu_here(no_env):
    if _cuda():
        pytest.skip("this machine has a GPU: auto picks it")
    assert resolve_device("auto") == "cpu"
    assert resolve_device() == "cpu"
    assert resolve_device(None) == "cpu"
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("CPU") == "cpu"


def test_cuda_when_missing_is_refused(no_env):
    if _cuda():
        pytest.skip("CUDA is available here")
    with pytest.raises(InputError, match=r"device='cuda' was asked for but is not available here; use 'auto' or 'cpu'"):
        resolve_device("cuda")


def test_unknown_device(no_env):
    with pytest.raises(InputError, match=r"device='tpu' is not known; choose one of auto, cuda, mps, cpu"):
        resolve_device("tpu")


def test_auto_prefers_cuda_then_mps_then_cpu(no_env, monkeypatch):
    checks = {"cuda": lambda: False, "mps": lambda: False, "cpu": lambda: True}
    monkeypatch.setattr(device, "_CHECKS", checks)
    assert resolve_device("auto") == "cpu"
    checks["mps"] = lambda: True
    assert resolve_device("auto") == "mps"
    checks["cuda"] = lambda: True
    assert resolve_device("auto") == "cuda"
    assert resolve_device("cpu") == "cpu"  # asking for one still gets that one


def test_environment_variable_sets_the_default(monkeypatch):
    monkeypatch.setenv("EMBEDLAB_DEVICE", "cpu")
    assert resolve_device() == "cpu"
    monkeypatch.setattr(device, "_CHECKS", {"cuda": lambda: True, "mps": lambda: False, "cpu": lambda: True})
    assert resolve_device() == "cpu"  # not auto's cuda: the variable wins
    assert resolve_device("cuda") == "cuda"  # an explicit choice wins over the variable
    monkeypatch.setenv("EMBEDLAB_DEVICE", "Cuda")
    assert resolve_device() == "cuda"
    monkeypatch.setenv("EMBEDLAB_DEVICE", "quantum")
    with pytest.raises(InputError, match=r"device='quantum' is not known"):
        resolve_device()


def test_environment_variable_asking_for_a_missing_gpu(monkeypatch):
    if _cuda():
        pytest.skip("CUDA is available here")
    monkeypatch.setenv("EMBEDLAB_DEVICE", "cuda")
    with pytest.raises(InputError, match=r"device='cuda' was asked for but is not available here"):
        resolve_device()
    assert resolve_device("cpu") == "cpu"


def test_encoders_use_the_resolved_device(monkeypatch):
    from core.embed import encoders

    monkeypatch.setenv("EMBEDLAB_DEVICE", "tpu")
    with pytest.raises(InputError, match="device='tpu' is not known"):
        encoders.SentenceEncoder()


@pytest.mark.gpu
@pytest.mark.skipif(os.environ.get("EMBEDLAB_GPU_TESTS") != "1", reason="opt-in: set EMBEDLAB_GPU_TESTS=1")
def test_sentence_encoder_on_cuda():
    if not _cuda():
        pytest.skip("CUDA is not available")
    from core.embed.encoders import get_encoder

    assert resolve_device("auto") == "cuda"
    enc = get_encoder("minilm", "cuda")
    assert enc.device == "cuda"
    assert next(enc.model.parameters()).device.type == "cuda"
    v = enc(["a cat sits on the mat", "a kitten rests on a rug", "stock markets fell sharply"])
    assert v.shape == (3, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    sim = v @ v.T
    assert sim[0, 1] > sim[0, 2]
    cpu = get_encoder("minilm", "cpu")(["a cat sits on the mat"])
    np.testing.assert_allclose(v[0], cpu[0], atol=1e-3)


@pytest.mark.gpu
@pytest.mark.skipif(os.environ.get("EMBEDLAB_GPU_TESTS") != "1", reason="opt-in: set EMBEDLAB_GPU_TESTS=1")
def test_autoencoder_trains_and_loads_on_cuda(tmp_path):
    if not _cuda():
        pytest.skip("CUDA is not available")
    from core.embed import autoencoders as ae

    x, _ = ae.pixels("mnist-5k")
    train, test = ae.split(len(x))
    model = ae.Autoencoder(kind="vae", code_size=2, epochs=3).fit(x[train])
    assert model.device_ == "cuda" and next(model.net_.parameters()).device.type == "cuda"
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    cpu = ae.Autoencoder.load(model.save(tmp_path / "vae.pt"), device="cpu")
    np.testing.assert_allclose(cpu.encode(x[test[:50]]), model.encode(x[test[:50]]), atol=5e-2)  # float16 weights
    shipped = ae.shipped("mnist-5k", "vae", 2, device="cuda")
    codes, images = ae.latent_grid(shipped, 20)
    assert images.shape == (400, 784) and 0 <= images.min() and images.max() <= 1


@pytest.mark.gpu
@pytest.mark.skipif(os.environ.get("EMBEDLAB_GPU_TESTS") != "1", reason="opt-in: set EMBEDLAB_GPU_TESTS=1")
def test_matrix_factorisation_trains_on_cuda_like_on_the_cpu(monkeypatch):
    if not _cuda():
        pytest.skip("CUDA is not available")
    from core.recommend.data import load_movielens, split
    from core.recommend.evaluate import rmse
    from core.recommend.models import make_model

    parts = split(load_movielens(), seed=0)
    gpu = make_model("mf").fit(parts.train)
    assert gpu.device_ == "cuda"
    monkeypatch.setenv("EMBEDLAB_DEVICE", "cpu")
    cpu = make_model("mf").fit(parts.train)
    assert cpu.device_ == "cpu"
    assert gpu.history_[-1] < gpu.history_[0]
    assert abs(rmse(gpu, parts.test) - rmse(cpu, parts.test)) < 0.02  # CUDA's sums are not bit-for-bit the CPU's


@pytest.mark.gpu
@pytest.mark.skipif(os.environ.get("EMBEDLAB_GPU_TESTS") != "1", reason="opt-in: set EMBEDLAB_GPU_TESTS=1")
def test_semantic_corpus_encoder_float16_on_cuda_agrees_with_the_cpu():
    if not _cuda():
        pytest.skip("CUDA is not available")
    from core.search.semantic import CorpusEncoder

    texts = ["a mouse is a pointing device", "deadlock: two processes wait for each other",
             "floating point numbers have a mantissa and an exponent"] * 20
    gpu = CorpusEncoder(device="cuda")(texts)
    cpu = CorpusEncoder(device="cpu", int8=False)(texts)
    assert gpu.shape == cpu.shape == (60, 384)
    assert (np.sum(gpu * cpu, axis=1) > 0.99).all()  # float16 vs float32: the same directions


@pytest.mark.gpu
@pytest.mark.skipif(os.environ.get("EMBEDLAB_GPU_TESTS") != "1", reason="opt-in: set EMBEDLAB_GPU_TESTS=1")
def test_a_gan_trains_and_samples_on_cuda():
    from core.generate import data, models
    from core.generate.nets import Arch
    from core.generate.train import GANTrainer

    digits = data.images("mnist-5k")
    t = GANTrainer(Arch("dcgan", 32), digits, seed=0, device="cuda", augment=True)
    assert t.device == "cuda"
    t.step_discriminator()
    t.step_generator()
    t.run(20)
    assert t.steps == 22 and t.samples().shape == (16, 32, 32)
    cpu = models.load("faces-dcgan", device="cpu").sample(8, seed=3)
    gpu = models.load("faces-dcgan", device="cuda").sample(8, seed=3)
    assert gpu.shape == cpu.shape and np.abs(gpu.astype(int) - cpu.astype(int)).mean() < 2  # same pictures
