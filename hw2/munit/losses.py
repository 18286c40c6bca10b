"""MUNIT objectives (Huang et al. 2018, Sec. 3.2, Eq. 1-5), as in the authors' ``trainer.py``.

For domains ``a`` (Monet) and ``b`` (photos) with generators ``G_a = (E^c_a, E^s_a, dec_a)`` and
discriminators ``D_a``, ``D_b``; images in ``[-1, 1]``; random style codes ``s ~ N(0, I)``:

* image reconstruction ``L_x = |dec_a(E_a(x_a)) - x_a|_1`` (and for b), weight ``recon_x_w``;
* latent reconstruction ``L_c = |E^c_b(x_ab) - c_a|_1``, ``L_s = |E^s_b(x_ab) - s_b|_1`` where
  ``x_ab = dec_b(c_a, s_b)``, weights ``recon_c_w``, ``recon_s_w``;
* adversarial (LSGAN) ``L_gan = (D_b(x_ab) - 1)^2`` (and for a), weight ``gan_w``;
* optional explicit cycle ``|dec_a(E^c_b(x_ab), s'_a) - x_a|_1`` (``recon_x_cyc_w``) and
  perceptual ``|IN(phi(x_ab)) - IN(phi(x_a))|^2`` on instance-normalised VGG features (``vgg_w``);
* **not in the paper** (``enc_adv_w > 0``): the adversarial loss also on ``dec_b(c_a, E^s_b(x_b))``,
  i.e. translations with the style code *encoded* from a real photo, for which the paper's
  objective gives no adversarial signal (the seed report's hypothesis for poor reference-style
  results). The discriminators then see these translations as fakes too.
* **not in MUNIT** (``diffaug``, :mod:`.augment`): every image either discriminator sees, real or translated,
  in both updates, passes first through DiffAugment (Zhao et al., NeurIPS 2020), ``D(T(x))``; the losses take
  it as ``augment``.
* **not in the paper** (``style_prior_w > 0``): :func:`style_prior_loss` on the encoded style codes
  ``E^s_a(x_a)``, ``E^s_b(x_b)``, pulling their distribution towards the prior ``N(0, I)`` that random
  styles are drawn from.

Departure: the perceptual term uses our normalized VGG19 at ``relu4_1`` (the authors use VGG16
``relu5_3``); it is off (weight 0) in the paper's default configuration and ours.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from typing import Callable

from .config import MUNITConfig
from .networks import AdaINGen, MsImageDis

__all__ = ["recon_loss", "perceptual_loss", "style_prior_loss", "generator_losses", "discriminator_losses"]


def recon_loss(x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference (L1)."""
    return torch.mean(torch.abs(x - target))


def perceptual_loss(img: torch.Tensor, target: torch.Tensor, *, layer: str = "relu4_1") -> torch.Tensor:
    """MSE between instance-normalised VGG19 features of two ``[-1, 1]`` images (authors' ``compute_vgg_loss``)."""
    from ..vgg import vgg19

    enc = vgg19(layer, device=img.device)
    fi = enc((img + 1) / 2, [layer])[layer]
    with torch.no_grad():
        ft = enc((target + 1) / 2, [layer])[layer]
    return torch.mean((F.instance_norm(fi) - F.instance_norm(ft)) ** 2)


def style_prior_loss(codes: torch.Tensor, bank: torch.Tensor, *, eps: float = 1e-4) -> torch.Tensor:
    """KL divergence ``KL(N(mu, S) || N(0, I))`` of the Gaussian fitted to recent style codes.

    ``mu`` and ``S`` are the mean and (unbiased) covariance of the rows of ``bank`` ``(K, d)`` (earlier
    codes, treated as constants) and of ``codes`` ``(N, d[, 1, 1])`` (with gradient), ``S`` plus
    ``eps * I``. ``KL = (tr S + |mu|^2 - d - log det S) / 2``, zero only for ``mu = 0``, ``S = I``.
    With batch size 1 the bank is what makes a covariance estimable; the gradient reaches only the
    current codes (weight ``1 / (K + N)`` each through ``mu`` and ``S``).
    """
    rows = codes.reshape(codes.shape[0], -1)
    if bank.dim() != 2 or bank.shape[1] != rows.shape[1]:
        raise ValueError(f"bank must be (K, {rows.shape[1]}), got {tuple(bank.shape)}")
    z = torch.cat([bank.detach().to(rows), rows])
    if z.shape[0] < 2:
        raise ValueError("style_prior_loss needs at least two codes in bank and codes together")
    d = z.shape[1]
    mu = z.mean(0)
    zc = z - mu
    cov = zc.T @ zc / (z.shape[0] - 1) + eps * torch.eye(d, dtype=z.dtype, device=z.device)
    return 0.5 * (torch.diagonal(cov).sum() + mu @ mu - d - torch.logdet(cov))


def generator_losses(gen_a: AdaINGen, gen_b: AdaINGen, dis_a: MsImageDis, dis_b: MsImageDis,
                     x_a: torch.Tensor, x_b: torch.Tensor, s_a: torch.Tensor, s_b: torch.Tensor,
                     cfg: MUNITConfig, *, style_banks: torch.Tensor | None = None,
                     augment: Callable[[torch.Tensor], torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
    """All generator terms of one step and their weighted sum ``total``.

    Parameters
    ----------
    x_a, x_b : (N, 3, H, W) images of the two domains in [-1, 1].
    s_a, s_b : (N, style_dim, 1, 1) random style codes.
    style_banks : ``(2, K, style_dim)`` recent encoded codes of domains a (``[0]``) and b (``[1]``), needed
        when ``cfg.style_prior_w > 0`` (see :func:`style_prior_loss`).
    augment : callable, optional
        Applied to every image before a discriminator sees it (DiffAugment, :func:`hw2.munit.augment.augmenter`);
        ``None``: the images themselves (the paper).

    Returns
    -------
    dict of scalar tensors: ``recon_x_a/b``, ``recon_s_a/b``, ``recon_c_a/b``, ``gan_a/b``, optionally
    ``cyc_a/b``, ``vgg_a/b``, ``gan_enc_a/b``, ``prior_a/b``, and ``total``.
    """
    aug = augment or (lambda x: x)
    c_a, s_a_prime = gen_a.encode(x_a)
    c_b, s_b_prime = gen_b.encode(x_b)
    x_a_recon = gen_a.decode(c_a, s_a_prime)
    x_b_recon = gen_b.decode(c_b, s_b_prime)
    x_ba = gen_a.decode(c_b, s_a)
    x_ab = gen_b.decode(c_a, s_b)
    c_b_recon, s_a_recon = gen_a.encode(x_ba)
    c_a_recon, s_b_recon = gen_b.encode(x_ab)
    out = {
        "recon_x_a": recon_loss(x_a_recon, x_a), "recon_x_b": recon_loss(x_b_recon, x_b),
        "recon_s_a": recon_loss(s_a_recon, s_a), "recon_s_b": recon_loss(s_b_recon, s_b),
        "recon_c_a": recon_loss(c_a_recon, c_a), "recon_c_b": recon_loss(c_b_recon, c_b),
        "gan_a": dis_a.calc_gen_loss(aug(x_ba)), "gan_b": dis_b.calc_gen_loss(aug(x_ab)),
    }
    total = (cfg.gan_w * (out["gan_a"] + out["gan_b"])
             + cfg.recon_x_w * (out["recon_x_a"] + out["recon_x_b"])
             + cfg.recon_s_w * (out["recon_s_a"] + out["recon_s_b"])
             + cfg.recon_c_w * (out["recon_c_a"] + out["recon_c_b"]))
    if cfg.recon_x_cyc_w > 0:
        out["cyc_a"] = recon_loss(gen_a.decode(c_a_recon, s_a_prime), x_a)
        out["cyc_b"] = recon_loss(gen_b.decode(c_b_recon, s_b_prime), x_b)
        total = total + cfg.recon_x_cyc_w * (out["cyc_a"] + out["cyc_b"])
    if cfg.vgg_w > 0:
        out["vgg_a"] = perceptual_loss(x_ba, x_b)
        out["vgg_b"] = perceptual_loss(x_ab, x_a)
        total = total + cfg.vgg_w * (out["vgg_a"] + out["vgg_b"])
    if cfg.enc_adv_w > 0:
        # reference-style translations: the style code of the real image of the other domain
        x_ba_enc = gen_a.decode(c_b, s_a_prime)
        x_ab_enc = gen_b.decode(c_a, s_b_prime)
        out["gan_enc_a"] = dis_a.calc_gen_loss(aug(x_ba_enc))
        out["gan_enc_b"] = dis_b.calc_gen_loss(aug(x_ab_enc))
        total = total + cfg.enc_adv_w * cfg.gan_w * (out["gan_enc_a"] + out["gan_enc_b"])
    if cfg.style_prior_w > 0:
        if style_banks is None:
            raise ValueError("style_prior_w > 0 needs style_banks (recent encoded style codes of both domains)")
        out["prior_a"] = style_prior_loss(s_a_prime, style_banks[0])
        out["prior_b"] = style_prior_loss(s_b_prime, style_banks[1])
        total = total + cfg.style_prior_w * (out["prior_a"] + out["prior_b"])
    out["total"] = total
    return out


def discriminator_losses(gen_a: AdaINGen, gen_b: AdaINGen, dis_a: MsImageDis, dis_b: MsImageDis,
                         x_a: torch.Tensor, x_b: torch.Tensor, s_a: torch.Tensor, s_b: torch.Tensor,
                         cfg: MUNITConfig, *,
                         augment: Callable[[torch.Tensor], torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
    """LSGAN discriminator terms ``dis_a``, ``dis_b`` (and ``dis_enc_a/b``) and their weighted sum ``total``.

    The translations are computed without gradients to the generators. ``augment`` is applied to every real
    and translated image before the discriminators see it (as in :func:`generator_losses`).
    """
    aug = augment or (lambda x: x)
    with torch.no_grad():
        c_a, s_a_prime = gen_a.encode(x_a)
        c_b, s_b_prime = gen_b.encode(x_b)
        x_ba = gen_a.decode(c_b, s_a)
        x_ab = gen_b.decode(c_a, s_b)
    out = {"dis_a": dis_a.calc_dis_loss(aug(x_ba), aug(x_a)), "dis_b": dis_b.calc_dis_loss(aug(x_ab), aug(x_b))}
    total = cfg.gan_w * (out["dis_a"] + out["dis_b"])
    if cfg.enc_adv_w > 0:
        with torch.no_grad():
            x_ba_enc = gen_a.decode(c_b, s_a_prime)
            x_ab_enc = gen_b.decode(c_a, s_b_prime)
        out["dis_enc_a"] = dis_a.calc_dis_loss(aug(x_ba_enc), aug(x_a))
        out["dis_enc_b"] = dis_b.calc_dis_loss(aug(x_ab_enc), aug(x_b))
        total = total + cfg.enc_adv_w * cfg.gan_w * (out["dis_enc_a"] + out["dis_enc_b"])
    out["total"] = total
    return out
