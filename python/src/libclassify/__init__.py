"""libclassify: flag extremist propaganda, incitement, hate and offensive
content in Arabic text (Python binding of the libclassify C library).

    import libclassify
    with libclassify.Model() as model:          # the shipped default model
        r = model.score("...")                  # {'scores': {...}, 'flagged': {...}, ...}
        rs = model.score_many(texts, threads=2) # list, in input order
    # the shipped persuasion-technique model (for analysts; every category report-only)
    with libclassify.Model(libclassify.persuasion_model_path()) as techniques:
        r = techniques.score("...")             # {'scores': {...}, 'signals': {...}, ...}

A Model is safe to share between threads: scoring releases the GIL and
every thread gets a scorer of its own from the Model's pool.
"""
import json
import os

from ._libclassify import (  # noqa: F401  (re-exported API)
    Error,
    InputError,
    ModelError,
    _Model,
    header_version,
    library_version,
    normalize,
    strerror,
)
from . import _libclassify

__version__ = library_version
__all__ = ["Model", "Error", "InputError", "ModelError", "normalize", "strerror",
           "default_model_path", "persuasion_model_path", "shipped_model_path",
           "SHIPPED_MODELS", "error_codes"]

#: {"CLF_E_UTF8": -4, ...}: the library's stable error codes.
error_codes = {k: v for k, v in vars(_libclassify).items() if k.startswith("CLF_")}

#: The models installed with this package (copies of the source tree's
#: models/NAME.clf made when the package was built; python/setup.py).
SHIPPED_MODELS = ("arabic-default", "arabic-persuasion")

_PACKAGE_MODELS = os.path.join(os.path.dirname(__file__), "models")


def shipped_model_path(name):
    """The path of the shipped model NAME (one of SHIPPED_MODELS) inside this
    package. ValueError for any other name."""
    if name not in SHIPPED_MODELS:
        raise ValueError("no shipped model %r (the shipped models: %s)"
                         % (name, ", ".join(SHIPPED_MODELS)))
    return os.path.join(_PACKAGE_MODELS, name + ".clf")


def default_model_path():
    """The model Model() loads: $CLF_MODEL if set (as for `classify`), else
    the default model installed with this package (a copy of the source
    tree's models/arabic-default.clf made when the package was built)."""
    env = os.environ.get("CLF_MODEL")
    return env if env else shipped_model_path("arabic-default")


def persuasion_model_path():
    """The persuasion-technique model installed with this package (a copy of
    the source tree's models/arabic-persuasion.clf; its card is
    models/arabic-persuasion.md): one report-only score per technique of
    ArAIEval 2023 task 1, for analysts, not for moderation. $CLF_MODEL does
    not change it."""
    return shipped_model_path("arabic-persuasion")


class Model(_Model):
    """Model(path=None, *, max_bytes=None, thresholds=None)

    A loaded libclassify model. path defaults to default_model_path().
    max_bytes: texts longer than this are scored on their first max_bytes
    bytes (cut at a character boundary) and reported truncated; None keeps
    the library's default (1 MiB), 0 means no limit. thresholds:
    {category: probability} overrides of the model's decision thresholds.

    Use as a context manager or call close(); a closed Model raises
    ValueError. Errors raise libclassify.ModelError (with .code, .name and
    .message from the library).
    """

    def __init__(self, path=None, *, max_bytes=None, thresholds=None):
        super().__init__(default_model_path() if path is None else path,
                         max_bytes=max_bytes, thresholds=thresholds)
        self._metadata = None

    @property
    def metadata(self):
        """The training metadata (recipe, corpora and checksums, options,
        metrics) as a dict."""
        if self._metadata is None:
            self._metadata = json.loads(self.metadata_json)
        return self._metadata

    def __repr__(self):
        if self.closed:
            return "<libclassify.Model closed>"
        return "<libclassify.Model %s %r categories=%r>" % (self.id, self.path, self.categories)
