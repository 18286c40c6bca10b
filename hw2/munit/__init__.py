"""MUNIT (Huang, Liu, Belongie & Kautz, ECCV 2018): multimodal Monet <-> photo translation.

Modules
-------
config
    :class:`MUNITConfig` and the YAML configurations in ``configs/`` (``paper``, ``cpu``, ``cpu_encadv``, ``cpu_vgg``,
    ``cpu_diffaug``, ``cpu_diffaug_128``, ``cpu_diffaug_encadv``).
networks
    Content/style encoders, AdaIN decoder with its MLP, multi-scale LSGAN discriminator.
losses
    Image, content and style reconstruction, adversarial, optional cycle/perceptual and encoded-style
    adversarial terms.
augment
    DiffAugment (Zhao et al., 2020): colour, translation and cutout before both discriminators (config ``diffaug``).
trainer
    :class:`Trainer`, the training state: generators, discriminators, optimisers, one step, checkpoints.
train
    ``python -m hw2.munit.train --config cpu cpu_encadv``, then ``--config cpu_vgg`` (resumable, atomic checkpoints).
method
    :func:`stylize`, the method entry point (images in, :class:`hw2.result.Result` out, ``size`` the longest side),
    :data:`~hw2.munit.method.REPORT_MODEL` (the report's MUNIT) and ``load`` for either family.
model
    :func:`load_model` (the committed fp16 generators, registered in :mod:`hw2.weights` by importing
    this package), :meth:`MUNIT.translate` with random (at a temperature) or reference styles; no
    training code is imported.
pretrained
    The second family, MUNIT on pretrained parts: frozen VGG19 ``relu4_1`` content space, AdaIN decoder,
    learned style encoders, style MLPs, adapters and decoder tails (:func:`load_pretrained`), and its
    training-free Gaussian-fit baseline.
pretrained_parts
    Its configuration, frozen parts, Gaussian fit and small learned modules.
pretrained_train
    ``python -m hw2.munit.pretrained_train --fit --export``, then ``--minutes 40 --export`` (resumable);
    ``--encadv --name NAME`` adds the adversarial loss on encoded-style translations (a run of its own).
evaluate
    The module :mod:`hw2.munit.evaluate`: ``evaluate``, ``temperature_curve``, ``choose_temperature``,
    ``style_code_statistics`` (not re-exported here, so that ``hw2.munit.evaluate`` is the module).
benchmark
    Scores at the size the notebook shows (Fréchet VGG distance, sharpness, diversity) on test or validation
    images, and the temperature chosen on the validation split (``make bench ONLY=munit``).
figures
    What notebook 03 shows: tables, training curves, translation grids, the temperature figure.
families
    Notebook 03's side-by-side view of both families: grids at one size, the benchmark table, its wording.
section
    Notebook 03's state from its parameters (models, images, sizes) and each numbered figure and table with its
    caption, as the keyword arguments of ``show_figure``/``show_table``.
discussion
    Notebook 03's sentences whose wording depends on the numbers.
semantics
    The seed's Fig 3-1 measured: edge SSIM, the input's contours over the translation, ADE20K classes that change.
hypothesis
    The seed's hypothesis at equal training: reference-minus-random gaps of two pretrained-parts runs.
"""
from .config import MUNITConfig, load_config
from .method import stylize
from .model import DEFAULT_MODEL, DIRECTIONS, MODELS, MUNIT, STYLE_TEMPERATURE, history, load_model, random_styles
from .pretrained import FIT_MODEL, PRETRAINED_MODELS, TRAINED_MODEL, PretrainedMUNIT, load_pretrained

__all__ = ["stylize", "MUNITConfig", "load_config", "MUNIT", "DIRECTIONS", "MODELS", "DEFAULT_MODEL", "STYLE_TEMPERATURE",
           "load_model", "random_styles", "history", "PretrainedMUNIT", "load_pretrained", "PRETRAINED_MODELS",
           "FIT_MODEL", "TRAINED_MODEL"]
