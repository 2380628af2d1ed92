"""The networks of the generative lab, in torch: DCGAN, a class-conditional DCGAN and pix2pix.

Every network is built from an :class:`Arch` (image side, latent size, widths), so a saved model is its
``Arch`` plus its weights. The shapes follow the papers, scaled down so that 64 samples take well under
150 ms on two CPU cores:

- **DCGAN** (Radford et al. 2016): the generator turns a latent vector into a 4x4 map with a transposed
  convolution, then doubles the side with each transposed convolution + batch norm + ReLU up to the image,
  ending in tanh. The discriminator mirrors it with strided convolutions and LeakyReLU(0.2).
- **Conditional DCGAN** (Mirza & Osindero 2014): the class enters the generator as a learned embedding
  concatenated to the latent vector, and the discriminator as one-hot planes stacked on the image.
- **pix2pix** (Isola et al. 2017): a U-Net generator (encoder, decoder, skip connections; dropout is the only
  noise) and a PatchGAN discriminator that judges overlapping patches of (input, output) pairs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from core.errors import InputError


@dataclass(frozen=True)
class Arch:
    """What it takes to rebuild a model's networks."""

    kind: str  # a key of KINDS: "dcgan", "cdcgan" or "pix2pix"
    side: int  # image side in pixels: 32 or 64
    channels: int = 1  # 1 (grey) or 3 (colour)
    z_dim: int = 64  # latent size (unused by pix2pix)
    width: int = 32  # channels of the widest-resolution layer; the others are multiples
    n_classes: int = 0  # the conditional model's classes

    def as_dict(self) -> dict:
        return asdict(self)


SIDES = (32, 64)


def _levels(side: int) -> int:
    """How many doublings take a 4x4 map to ``side`` (32 -> 3, 64 -> 4)."""
    if side not in SIDES:
        raise InputError(f"image side {side} is not supported; use one of {', '.join(map(str, SIDES))}")
    return {32: 3, 64: 4}[side]


def _init(module, generator=None) -> None:
    """DCGAN's initialisation: N(0, 0.02) convolutions, N(1, 0.02) batch-norm scales. Every weight is drawn
    again here, from ``generator`` when given, so the global random state (shared by every thread of a server)
    plays no part in a seeded model."""
    from torch import nn

    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02, generator=generator)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02, generator=generator)
            nn.init.zeros_(m.bias)


def _widths(arch: Arch) -> list[int]:
    """Channels from the 4x4 map down to the last hidden map: e.g. 64 px -> [8w, 4w, 2w, w]."""
    n = _levels(arch.side)
    return [arch.width * 2 ** (n - 1 - i) for i in range(n)]


# ------------------------------------------------------------------------------------------- DCGAN
def _generator_body(arch: Arch, z_in: int):
    from torch import nn

    w = _widths(arch)
    layers = [nn.ConvTranspose2d(z_in, w[0], 4, 1, 0, bias=False), nn.BatchNorm2d(w[0]), nn.ReLU(True)]
    for a, b in zip(w[:-1], w[1:], strict=True):
        layers += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(True)]
    layers += [nn.ConvTranspose2d(w[-1], arch.channels, 4, 2, 1, bias=False), nn.Tanh()]
    return nn.Sequential(*layers)


def _discriminator_body(arch: Arch, c_in: int):
    """Strided convolutions down to 4x4, then one 4x4 convolution to a single logit per image."""
    from torch import nn

    w = _widths(arch)[::-1]  # [w, 2w, 4w, (8w)]
    layers = [nn.Conv2d(c_in, w[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
    for a, b in zip(w[:-1], w[1:], strict=True):
        layers += [nn.Conv2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.LeakyReLU(0.2, True)]
    layers += [nn.Conv2d(w[-1], 1, 4, 1, 0, bias=False), nn.Flatten()]
    return nn.Sequential(*layers)


def _dcgan(arch: Arch):
    import torch
    from torch import nn

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = _generator_body(arch, arch.z_dim)

        def forward(self, z: torch.Tensor, labels=None) -> torch.Tensor:
            return self.body(z[:, :, None, None])

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = _discriminator_body(arch, arch.channels)

        def forward(self, x: torch.Tensor, labels=None) -> torch.Tensor:
            return self.body(x).view(-1)

    return Generator(), Discriminator()


def _cdcgan(arch: Arch):
    import torch
    from torch import nn

    if arch.n_classes < 2:
        raise InputError("a conditional GAN needs at least 2 classes")
    embed = 16

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(arch.n_classes, embed)
            self.body = _generator_body(arch, arch.z_dim + embed)

        def class_code(self, labels: torch.Tensor) -> torch.Tensor:
            """The embedding of each class; a float tensor (n, n_classes) of weights mixes classes."""
            if labels.dtype.is_floating_point:
                return labels @ self.embed.weight
            return self.embed(labels)

        def forward(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
            h = torch.cat([z, self.class_code(labels)], dim=1)
            return self.body(h[:, :, None, None])

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = _discriminator_body(arch, arch.channels + arch.n_classes)

        def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
            planes = nn.functional.one_hot(labels, arch.n_classes).to(x.dtype)[:, :, None, None]
            planes = planes.expand(-1, -1, x.shape[2], x.shape[3])
            return self.body(torch.cat([x, planes], dim=1)).view(-1)

    return Generator(), Discriminator()


# ------------------------------------------------------------------------------------------ pix2pix
def _pix2pix(arch: Arch):
    import torch
    from torch import nn

    n = _levels(arch.side) + 1  # 32 -> 4 downsamplings to 2x2; 64 -> 5
    w = [min(arch.width * 2 ** i, arch.width * 4) for i in range(n)]

    def down(a, b, norm=True):
        layers = [nn.Conv2d(a, b, 4, 2, 1, bias=False)]
        if norm:
            layers.append(nn.BatchNorm2d(b))
        return nn.Sequential(*layers, nn.LeakyReLU(0.2, True))

    class SeededDropout(nn.Module):
        """Dropout (p = 0.5) that draws its masks from ``self.generator`` (set by :func:`build`), never from
        torch's global random state, which the other sessions of a server share."""

        def __init__(self, p: float = 0.5):
            super().__init__()
            self.p, self.generator = p, None

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if not self.training:
                return x
            if self.generator is None:
                return nn.functional.dropout(x, self.p, True)
            keep = torch.rand(x.shape, generator=self.generator, device=self.generator.device) >= self.p
            return x * keep.to(device=x.device, dtype=x.dtype) / (1 - self.p)

    def up(a, b, dropout=False):
        layers = [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b)]
        if dropout:
            layers.append(SeededDropout(0.5))
        return nn.Sequential(*layers, nn.ReLU(True))

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.downs = nn.ModuleList([down(arch.channels, w[0], norm=False)]
                                       + [down(a, b) for a, b in zip(w[:-1], w[1:], strict=True)])
            ups = []
            for i in range(n - 1, 0, -1):  # from the bottleneck up; skip channels double the input
                a = w[i] if i == n - 1 else w[i] * 2
                ups.append(up(a, w[i - 1], dropout=i >= n - 2))
            self.ups = nn.ModuleList(ups)
            self.out = nn.Sequential(nn.ConvTranspose2d(w[0] * 2, arch.channels, 4, 2, 1), nn.Tanh())

        def forward(self, x: torch.Tensor, labels=None) -> torch.Tensor:
            skips = []
            for layer in self.downs:
                x = layer(x)
                skips.append(x)
            for layer, skip in zip(self.ups, skips[-2::-1], strict=True):
                x = torch.cat([layer(x), skip], dim=1)
            return self.out(x)

    class PatchGAN(nn.Module):
        """Judges each overlapping patch of the (condition, image) pair: a map of logits, one per patch."""

        def __init__(self):
            super().__init__()
            c = arch.width
            self.body = nn.Sequential(
                nn.Conv2d(arch.channels * 2, c, 4, 2, 1), nn.LeakyReLU(0.2, True),
                nn.Conv2d(c, c * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c * 2), nn.LeakyReLU(0.2, True),
                nn.Conv2d(c * 2, c * 4, 3, 1, 1, bias=False), nn.BatchNorm2d(c * 4), nn.LeakyReLU(0.2, True),
                nn.Conv2d(c * 4, 1, 3, 1, 1))

        def forward(self, x: torch.Tensor, condition: torch.Tensor) -> torch.Tensor:
            return self.body(torch.cat([condition, x], dim=1)).flatten(1)

    return UNet(), PatchGAN()


KINDS = {"dcgan": _dcgan, "cdcgan": _cdcgan, "pix2pix": _pix2pix}


def build(arch: Arch, generator=None):
    """(generator, discriminator) for ``arch``, initialised as DCGAN does (from the torch ``generator``, if given)."""
    if arch.kind not in KINDS:
        raise InputError(f"model kind {arch.kind!r} is not known; choose one of {', '.join(KINDS)}")
    if arch.channels not in (1, 3):
        raise InputError(f"channels={arch.channels} must be 1 (grey) or 3 (colour)")
    g, d = KINDS[arch.kind](arch)
    _init(g, generator)
    _init(d, generator)
    for m in g.modules():  # pix2pix's dropout goes on drawing from the same seeded generator
        if type(m).__name__ == "SeededDropout":
            m.generator = generator
    return g, d
