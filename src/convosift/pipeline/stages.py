"""Build the loop's stages from settings: the source, the quality rules and the analyzer.

Each stage is imported where it is built, so importing the pipeline stays cheap.
"""

from __future__ import annotations

from convosift.config import Settings
from convosift.domain import Conversation, QualityOutcome
from convosift.errors import ConfigurationError
from convosift.pipeline.loop import Assess
from convosift.source_selection import source_token_missing
from convosift.sources.base import Source


def source_name(settings: Settings) -> str:
    """The identity runs and rows of the configured source are keyed by: the named source's name,
    else the kind of the unnamed default source (``intercom`` or ``files``)."""
    return settings.source_name or settings.source


def check_stages(settings: Settings) -> None:
    """Read the files the stages will need now, so a broken one stops a run before anything is written.

    Errors name the setting that points at the file.
    """
    missing = source_token_missing(settings)
    if missing is not None:
        raise ConfigurationError(
            f"source {settings.source_name}: the environment variable {missing} holding its token is not set",
            hint=f"export {missing}=... (the token_env of [sources.{settings.source_name}])",
        )
    if settings.source == "files":
        from convosift.sources.files import FileSource

        FileSource.from_settings(settings)
    if settings.classifier == "none":
        return
    from convosift.classify.taxonomy import load_taxonomy
    from convosift.themes.vocabulary import load_vocabulary_for

    for setting, load in (
        ("CONVOSIFT_TAXONOMY", lambda: load_taxonomy(settings.taxonomy_path)),
        ("CONVOSIFT_VOCABULARY", lambda: load_vocabulary_for(settings)),
    ):
        try:
            load()
        except ConfigurationError as exc:
            raise ConfigurationError(
                f"{setting}: {exc.message}", hint=exc.hint or f"fix or unset {setting}"
            ) from None


def build_source(settings: Settings) -> Source:
    """The configured source, named as runs and rows of it are keyed (see :func:`source_name`)."""
    source: Source
    if settings.source == "files":
        from convosift.sources.files import FileSource

        source = FileSource.from_settings(settings)
    else:
        from convosift.sources.intercom import IntercomSource

        source = IntercomSource(settings)
    source.name = source_name(settings)
    return source


def build_assess(settings: Settings) -> Assess:
    from convosift.filtering import FilterRules, assess

    rules = FilterRules.from_settings(settings)

    def assess_with_rules(conversation: Conversation) -> QualityOutcome:
        return assess(conversation, rules)

    return assess_with_rules
