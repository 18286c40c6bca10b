"""MUNIT translation: the model (:mod:`.model`) and its evaluation (:mod:`.evaluate`) under one name.

``from hw2.munit import translate as mt`` keeps working: everything here is re-exported from those two
modules. Inference code should import :mod:`hw2.munit.model` (or call :func:`hw2.munit.stylize`).
"""
from .evaluate import (choose_temperature, evaluate, recorded_temperature_curve, style_code_statistics,
                       temperature_curve)
from .model import (DEFAULT_MODEL, DIRECTIONS, MAX_WORK_PIXELS, MIN_INPUT_SIDE, MIN_SIZE, MODELS, MUNIT,
                    STYLE_TEMPERATURE, WEIGHTS_FORMAT, available, history, load_model, prepare, random_styles)

__all__ = ["MUNIT", "DIRECTIONS", "MODELS", "DEFAULT_MODEL", "STYLE_TEMPERATURE", "WEIGHTS_FORMAT", "load_model",
           "random_styles", "history", "evaluate", "temperature_curve", "choose_temperature", "style_code_statistics",
           "recorded_temperature_curve", "prepare", "available", "MIN_INPUT_SIDE", "MIN_SIZE", "MAX_WORK_PIXELS"]
