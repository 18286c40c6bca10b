"""The registry of methods: one name per entry point, loaded on first use.

Every entry point takes its inputs (images in [0, 1], anything :func:`hw2.io.as_image` takes), the
method's options keyword-only, and returns a :class:`hw2.result.Result`. Nothing is imported or
loaded until a method is called or checked.

>>> from hw2 import methods
>>> methods.names()                                   # doctest: +ELLIPSIS
('fastphotostyle', 'photowct', 'neural_style', ...)
>>> ok, why = methods.get("munit").available()        # never raises
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

__all__ = ["Method", "get", "names"]


@dataclass(frozen=True)
class Method:
    """One method entry point: its registry ``name``, the ``entry`` point as ``"module:function"``
    (imported on first call), a one-line ``description`` (the paper and what it does), and ``check``,
    the ``"module:function"`` returning ``(ok, message)`` (None: always available)."""
    name: str
    entry: str
    description: str
    check: str | None = None

    @property
    def function(self):
        """The entry point (imports its module)."""
        return _resolve(self.entry)

    def __call__(self, *args, **kwargs):
        """Run the entry point: ``get("fastphotostyle")(content, style, smoothing="fast")``."""
        return self.function(*args, **kwargs)

    def available(self) -> tuple[bool, str]:
        """``(True, "")``, or ``(False, why)`` when the method's weights or runtime are missing; never raises."""
        if self.check is None:
            return True, ""
        try:
            ok, message = _resolve(self.check)()
        except Exception as exc:  # an availability check reports, it does not raise
            return False, f"{type(exc).__name__}: {exc}"
        return bool(ok), str(message)


def _resolve(spec: str):
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)


_METHODS = {m.name: m for m in (
    Method("fastphotostyle", "hw2.fastphotostyle:stylize",
           "Li et al. 2018: PhotoWCT stylisation then photorealistic smoothing (exact or guided filter)",
           "hw2.fastphotostyle:decoders_available"),
    Method("photowct", "hw2.fastphotostyle.photowct:stylize",
           "Li et al. 2018 / 2017: multi-level PhotoWCT (or plain WCT) stylisation, no smoothing",
           "hw2.fastphotostyle:decoders_available"),
    Method("neural_style", "hw2.neural_style:stylize",
           "Gatys et al. 2016: style transfer by optimising the image against VGG19 Gram statistics",
           "hw2.vgg:available"),
    Method("neural_style_texture", "hw2.neural_style:synthesize_texture",
           "Gatys et al. 2015: texture synthesis from VGG19 Gram statistics", "hw2.vgg:available"),
    Method("munit", "hw2.munit:stylize",
           "Huang et al. 2018: MUNIT photo <-> Monet translation with a reference or random style code",
           "hw2.munit.model:available"),
    Method("quilting_synthesize", "hw2.quilting:synthesize",
           "Efros & Freeman 2001: texture synthesis by image quilting"),
    Method("quilting_transfer", "hw2.quilting:transfer",
           "Efros & Freeman 2001: texture transfer by iterated image quilting"),
)}


def names() -> tuple[str, ...]:
    """The registered method names, in a fixed order."""
    return tuple(_METHODS)


def get(name: str) -> Method:
    """The method ``name`` (see :func:`names`); ``ValueError`` for an unknown name."""
    try:
        return _METHODS[name]
    except KeyError:
        raise ValueError(f"unknown method {name!r}; choose one of {names()}") from None
