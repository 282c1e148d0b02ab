"""Reports: the theme table, rising themes and the category mix as Markdown, HTML or CSV.

The HTML report is one self-contained file (inline CSS and SVG, no script, nothing fetched), and
every piece of conversation text in it is escaped by Jinja2's autoescape. The same data dict
feeds every format, so they never disagree.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from convosift.errors import ConfigurationError
from convosift.outputs import SpreadsheetCsv, write_output
from convosift.store import Store
from convosift.themes.aggregates import TimeBound, overview, rising_themes, theme_summary
from convosift.themes.vocabulary import Vocabulary

ReportFormat = Literal["md", "html", "csv"]
FORMATS: tuple[ReportFormat, ...] = ("md", "html", "csv")
_TEMPLATES = Path(__file__).resolve().parents[1] / "data" / "templates"
CSV_COLUMNS = (
    "signature",
    "title",
    "product_area",
    "count",
    "share",
    "first_seen",
    "last_seen",
    "recent_count",
    "previous_count",
    "change",
    "rising",
    "p_value",
    "top_quote",
)


def report_data(
    store: Store,
    vocabulary: Vocabulary,
    since: TimeBound = None,
    until: TimeBound = None,
    *,
    generated_at: datetime | None = None,
    proposals: list[dict[str, Any]] | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    themes = theme_summary(store, since, until, vocabulary=vocabulary, source=source)
    return {
        "generated_at": (generated_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "vocabulary_hash": vocabulary.content_hash,
        # 0 on a fresh install: nothing to match against yet, and the report says how to get themes.
        "vocabulary_themes": len(vocabulary.active),
        "overview": overview(store, since, until, source=source),
        "source": source,
        "themes": themes,
        "rising": rising_themes(themes),
        "proposals": proposals or [],
    }


def _environment(autoescape: bool) -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        # Markdown is not HTML: its template escapes every text through the ``md`` filter instead.
        autoescape=autoescape,  # noqa: S701
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _markdown_cell
    env.filters["pct"] = lambda value: f"{100 * value:.1f} %"
    return env


def _markdown_cell(value: object) -> str:
    """Text safe in a Markdown table cell: no pipes, no line breaks, no raw HTML."""
    text = " ".join(str(value if value is not None else "").split())
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("`", "'")
    )


def render_html(data: dict[str, Any]) -> str:
    from convosift.themes.charts import bar_chart, sparkline, stacked_columns

    top = data["overview"]
    charts = {
        "sparklines": {t["signature"]: sparkline([p["count"] for p in t["series"]]) for t in data["themes"]},
        "rising": bar_chart(
            [(t["title"], t["previous_count"], t["recent_count"]) for t in data["rising"][:12]]
        )
        if data["rising"]
        else None,
        "mix": stacked_columns(top["weeks"], top["categories"]) if top["weeks"] else None,
    }
    return str(_environment(True).get_template("report.html.j2").render(**data, charts=charts))


def render_markdown(data: dict[str, Any]) -> str:
    return str(_environment(False).get_template("report.md.j2").render(**data))


def render_csv(data: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = SpreadsheetCsv(buffer, CSV_COLUMNS)
    writer.writeheader()
    for theme in data["themes"]:
        row = {column: theme.get(column) for column in CSV_COLUMNS}
        row["top_quote"] = theme["quotes"][0]["quote"] if theme["quotes"] else ""
        writer.writerow(row)
    return buffer.getvalue()


def render(data: dict[str, Any], fmt: str) -> str:
    renderers = {"md": render_markdown, "html": render_html, "csv": render_csv}
    if fmt not in renderers:
        raise ConfigurationError(f"unknown report format {fmt!r}", hint="use md, html or csv")
    return renderers[fmt](data)


def write_report(data: dict[str, Any], fmt: str, out: Path) -> Path:
    return write_output(out, render(data, fmt))
