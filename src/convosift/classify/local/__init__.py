"""The embedded local text classifier (offline, CPU) and the category classifier built on it.

Importing this package is cheap: numpy, scikit-learn and wordllama load when a model is first
trained, loaded or used.
"""

from convosift.classify.local.categories import LocalCategoryClassifier
from convosift.classify.local.embeddings import EMBEDDING_MODEL, embed
from convosift.classify.local.engine import ENGINE_VERSION, EngineParams, Prediction, TextClassifier
from convosift.classify.local.features import FeatureParams
from convosift.classify.local.model_cache import load_or_train, model_key

__all__ = [
    "EMBEDDING_MODEL",
    "ENGINE_VERSION",
    "EngineParams",
    "FeatureParams",
    "LocalCategoryClassifier",
    "Prediction",
    "TextClassifier",
    "embed",
    "load_or_train",
    "model_key",
]
