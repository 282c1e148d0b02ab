"""convosift: turn a support inbox into product insight."""

from convosift.domain import (
    Analysis,
    Checkpoint,
    Classification,
    ClassificationStatus,
    Conversation,
    ListedItem,
    Message,
    Page,
    QualityOutcome,
    RunCounts,
    RunKind,
    RunStatus,
    Skipped,
    ThemeMatch,
    Window,
)
from convosift.errors import ConvosiftError

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "Checkpoint",
    "Classification",
    "ClassificationStatus",
    "Conversation",
    "ConvosiftError",
    "ListedItem",
    "Message",
    "Page",
    "QualityOutcome",
    "RunCounts",
    "RunKind",
    "RunStatus",
    "Skipped",
    "ThemeMatch",
    "Window",
    "__version__",
]
