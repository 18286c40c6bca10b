"""MUNIT hyper-parameters: one flat dataclass, read from YAML files with ``yaml.safe_load``.

``configs/paper.yaml`` holds the authors' defaults (Huang et al. 2018, the released
``configs/*.yaml`` of NVlabs/MUNIT: 256 px crops, dim 64, 4 residual blocks, style code of
dimension 8, MLP of width 256, 3-scale LSGAN discriminators with 4 layers, Adam lr 1e-4,
betas (0.5, 0.999), weight decay 1e-4, step decay x0.5 every 100k iterations, loss weights
gan 1, x 10, s 1, c 1). ``configs/cpu.yaml`` is the small configuration trained on this
CPU, ``configs/cpu_encadv.yaml`` the same plus the adversarial loss on translations made
with *encoded* style codes (the seed report's hypothesis, see :attr:`MUNITConfig.enc_adv_w`).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from pathlib import Path

__all__ = ["MUNITConfig", "CONFIGS", "load_config", "config_path", "ARCH_FIELDS", "TRAIN_FIELDS"]

#: folder of the committed YAML configurations
CONFIGS = Path(__file__).resolve().parent / "configs"


@dataclass(frozen=True)
class MUNITConfig:
    """Every MUNIT hyper-parameter (defaults: the paper's / authors' configuration).

    Architecture
    ------------
    gen_dim : channels after the first 7x7 convolution of both encoders.
    mlp_dim : width of the MLP that maps the style code to the AdaIN parameters.
    style_dim : dimension of the style code (8 in the paper).
    n_downsample : stride-2 convolutions of the content encoder (= upsamplings of the decoder).
    n_res : residual blocks of the content encoder and (AdaIN) of the decoder.
    style_downsample : stride-2 convolutions of the style encoder (4 in the authors' code).
    dis_dim, dis_n_layer, dis_num_scales : discriminator width, stride-2 layers per scale,
        and number of image scales (each scale sees the image average-pooled by 2).
    pad_type : ``reflect`` or ``zero``.
    Training
    --------
    lr, beta1, beta2, weight_decay : Adam, for generators and discriminators alike.
    step_size, gamma : the learning rate is multiplied by ``gamma`` every ``step_size`` steps.
    batch_size : images per domain per step.
    new_size : shorter side the training images are resized to before cropping.
    crop_size : side of the square random crops (flipped half of the time).
    max_iter : total number of steps.
    gan_w, recon_x_w, recon_s_w, recon_c_w, recon_x_cyc_w, vgg_w : loss weights (paper:
        1, 10, 1, 1, 0, 0; cycle and VGG terms are optional).
    enc_adv_w : weight of the extra adversarial loss on translations decoded with the style
        code *encoded from a real image* of the target domain (0 = the paper's MUNIT). The
        paper's adversarial loss only ever sees random style codes ``s ~ N(0, I)``.
    init_from : name of another run (``$HW2_HOME/munit/<init_from>``) whose checkpoint starts this
        one: its generators, their Adam state, its step count, loss history and wall time carry
        over; its discriminators too when they have this config's shape, otherwise fresh ones are
        trained alone for ``dis_warmup`` steps first. ``""``: start from scratch (the paper).
    dis_warmup : discriminator-only steps after ``init_from`` with new discriminators.
    ema_decay : keep an exponential moving average of the generators' parameters with this decay
        per step and export it instead of the last iterate (0 = off, the paper). Not in MUNIT;
        a common stabiliser of GAN generators (Yazıcı et al., ICLR 2019).
    style_prior_w : weight of a prior-matching term on the *encoded* style codes: the KL divergence
        from ``N(0, I)`` of the Gaussian fitted to the current codes and the last
        ``style_prior_window`` ones (0 = off, the paper). Not in MUNIT, whose encoders are free to use
        a small part of the prior, so that random codes ``s ~ N(0, I)`` fall where the decoders were
        only ever trained adversarially; VAE-style models (BicycleGAN, DRIT++) use a KL term instead.
    style_prior_window : how many recent codes per domain (no gradient) the fitted Gaussian uses.
    diffaug : DiffAugment policies applied to every image the discriminators see, e.g.
        ``"color,translation,cutout"`` (Zhao et al., NeurIPS 2020; :mod:`hw2.munit.augment`); ``""``: off (the paper).
    val_holdout : train on the ``fit`` part of the training folders only, keeping their validation part
        (:func:`hw2.data.validation_split`) for choosing checkpoints, recipes and the temperature; ``False``
        trains on whole folders (the committed models were).
    val_every, val_size : every ``val_every`` steps (0: never) the generators are scored on the validation
        split at shorter side ``val_size`` (:func:`hw2.munit.benchmark.score`, ``T = 1``, one draw) and the
        checkpoint with the best :func:`~hw2.munit.benchmark.selection_score` so far is kept as ``best.pt``.
    seed : seeds initialisation, data order, crops and style codes.
    log_every, sample_every : steps between loss-history entries / sample grids.
    ckpt_every_s : seconds between checkpoints.
    """
    # architecture
    gen_dim: int = 64
    mlp_dim: int = 256
    style_dim: int = 8
    n_downsample: int = 2
    n_res: int = 4
    style_downsample: int = 4
    dis_dim: int = 64
    dis_n_layer: int = 4
    dis_num_scales: int = 3
    pad_type: str = "reflect"
    # optimisation
    lr: float = 1e-4
    beta1: float = 0.5
    beta2: float = 0.999
    weight_decay: float = 1e-4
    step_size: int = 100_000
    gamma: float = 0.5
    batch_size: int = 1
    new_size: int = 256
    crop_size: int = 256
    max_iter: int = 1_000_000
    # loss weights
    gan_w: float = 1.0
    recon_x_w: float = 10.0
    recon_s_w: float = 1.0
    recon_c_w: float = 1.0
    recon_x_cyc_w: float = 0.0
    vgg_w: float = 0.0
    enc_adv_w: float = 0.0
    # staged training
    init_from: str = ""
    dis_warmup: int = 0
    ema_decay: float = 0.0
    style_prior_w: float = 0.0
    style_prior_window: int = 64
    diffaug: str = ""
    val_holdout: bool = False
    val_every: int = 0
    val_size: int = 256
    # bookkeeping
    seed: int = 0
    log_every: int = 25
    sample_every: int = 500
    ckpt_every_s: float = 180.0
    name: str = "munit"

    def __post_init__(self):
        ints = ("gen_dim", "mlp_dim", "style_dim", "dis_dim", "dis_n_layer", "dis_num_scales",
                "batch_size", "new_size", "crop_size", "step_size", "log_every", "sample_every")
        for k in ints:
            if int(getattr(self, k)) < 1:
                raise ValueError(f"MUNIT config: {k} must be >= 1, got {getattr(self, k)}")
        for k in ("n_downsample", "n_res", "style_downsample", "max_iter", "dis_warmup", "val_every"):
            if int(getattr(self, k)) < 0:
                raise ValueError(f"MUNIT config: {k} must be >= 0, got {getattr(self, k)}")
        if int(self.style_prior_window) < 2:
            raise ValueError(f"MUNIT config: style_prior_window must be >= 2, got {self.style_prior_window}")
        if not 0.0 <= float(self.ema_decay) < 1.0:
            raise ValueError(f"MUNIT config: ema_decay must be in [0, 1), got {self.ema_decay}")
        from .augment import parse_policy

        parse_policy(self.diffaug)  # raises ValueError for an unknown policy
        if not isinstance(self.val_holdout, bool):
            raise ValueError(f"MUNIT config: val_holdout must be true or false, got {self.val_holdout!r}")
        if int(self.val_size) < 64:
            raise ValueError(f"MUNIT config: val_size must be >= 64 (the VGG statistics), got {self.val_size}")
        if self.pad_type not in ("reflect", "zero"):
            raise ValueError(f"MUNIT config: pad_type must be 'reflect' or 'zero', got {self.pad_type!r}")
        if self.crop_size > self.new_size:
            raise ValueError(f"MUNIT config: crop_size {self.crop_size} exceeds new_size {self.new_size}")
        if self.crop_size % (2 ** self.n_downsample):
            raise ValueError(f"MUNIT config: crop_size {self.crop_size} must be a multiple of "
                             f"2**n_downsample = {2 ** self.n_downsample}")
        for k in ("gan_w", "recon_x_w", "recon_s_w", "recon_c_w", "recon_x_cyc_w", "vgg_w", "enc_adv_w",
                  "style_prior_w", "lr", "weight_decay"):
            if float(getattr(self, k)) < 0:
                raise ValueError(f"MUNIT config: {k} must be >= 0, got {getattr(self, k)}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "MUNITConfig":
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(d) - set(known))
        if unknown:
            raise ValueError(f"unknown MUNIT config keys {unknown}; known: {sorted(known)}")
        kw = {}
        for k, v in d.items():
            typ = known[k].type
            try:
                kw[k] = {"int": int, "float": float, "str": str}[typ](v) if typ in ("int", "float", "str") else v
            except (TypeError, ValueError) as exc:
                raise ValueError(f"MUNIT config: {k}={v!r} is not a valid {typ}") from exc
        return cls(**kw)

    def replace(self, **kw) -> "MUNITConfig":
        return dataclasses.replace(self, **kw)

    def arch(self) -> dict:
        """The fields that define the generators' and discriminators' shapes."""
        return {k: getattr(self, k) for k in ARCH_FIELDS}


#: fields that fix the parameter shapes (a checkpoint must agree on all of them)
ARCH_FIELDS = ("gen_dim", "mlp_dim", "style_dim", "n_downsample", "n_res", "style_downsample", "dis_dim",
               "dis_n_layer", "dis_num_scales", "pad_type")
#: fields that change the training trajectory (a resumed run must agree on them too)
TRAIN_FIELDS = ARCH_FIELDS + ("lr", "beta1", "beta2", "weight_decay", "step_size", "gamma", "batch_size",
                              "new_size", "crop_size", "gan_w", "recon_x_w", "recon_s_w", "recon_c_w",
                              "recon_x_cyc_w", "vgg_w", "enc_adv_w", "init_from", "dis_warmup", "ema_decay",
                              "style_prior_w", "style_prior_window", "diffaug", "val_holdout", "seed")
#: fields that fix the generators' parameter shapes
GEN_FIELDS = ("gen_dim", "mlp_dim", "style_dim", "n_downsample", "n_res", "style_downsample", "pad_type")


def config_path(name: str | Path) -> Path:
    """A config file: a path, or the name of a file in :data:`CONFIGS` (``"cpu"`` -> ``configs/cpu.yaml``)."""
    p = Path(name)
    if p.suffix in (".yaml", ".yml") and p.is_file():
        return p
    cand = CONFIGS / f"{p.stem if p.suffix else p.name}.yaml"
    if cand.is_file():
        return cand
    raise FileNotFoundError(f"MUNIT config {name!r} not found (neither a file nor one of "
                            f"{sorted(q.stem for q in CONFIGS.glob('*.yaml'))})")


def load_config(name: str | Path = "cpu", **overrides) -> MUNITConfig:
    """Read a YAML configuration (``yaml.safe_load``) on top of the paper defaults.

    Parameters
    ----------
    name : str or Path
        A YAML file, or ``"paper"``, ``"cpu"``, ``"cpu_encadv"``, ``"cpu_vgg"`` for the committed ones.
    **overrides
        Fields to replace after reading.
    """
    import yaml

    path = config_path(name)
    with open(path) as fh:
        data = yaml.safe_load(fh) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of MUNIT hyper-parameters, got {type(data).__name__}")
    data.setdefault("name", path.stem)
    data.update(overrides)
    return MUNITConfig.from_dict(data)
