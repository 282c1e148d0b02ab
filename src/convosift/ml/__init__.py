"""The embedded engine: features, sentence vectors, linear and pair models, novelty, calibration,
the model cache, and what a chat says around its request (:mod:`convosift.ml.framing`). It knows
texts and labels, nothing of categories or themes.

Importing this package is cheap: numpy, scikit-learn and wordllama load when a model is first
trained, loaded or used.
"""

from convosift.ml.embeddings import EMBEDDING_MODEL, embed
from convosift.ml.engine import ENGINE_VERSION, EngineParams, Prediction, TextClassifier
from convosift.ml.features import FeatureParams
from convosift.ml.model_cache import load_or_train, model_key

__all__ = [
    "EMBEDDING_MODEL",
    "ENGINE_VERSION",
    "EngineParams",
    "FeatureParams",
    "Prediction",
    "TextClassifier",
    "embed",
    "load_or_train",
    "model_key",
]
