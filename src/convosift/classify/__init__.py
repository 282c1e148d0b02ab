"""Categories: the taxonomy, the embedded category classifier (on :mod:`convosift.ml`) and the
evaluation of the engine on labelled text. Knows nothing of themes."""
