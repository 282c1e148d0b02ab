"""HTML message bodies → readable plain text, with the standard library's tolerant parser.

Intercom sends bodies as HTML fragments written by browsers, e-mail clients and bots, so the
input is often broken (unclosed tags, stray ``<``, invalid character references, null bytes).
The converter never raises: anything the parser cannot make sense of degrades to text.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Tags whose start and end separate lines of text.
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
# Tags whose content is never customer-visible text.
_HIDDEN_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript", "svg", "iframe"})
_LIST_ITEM_PREFIX = "- "
# Control characters other than tab, newline and carriage return, lone surrogates and
# non-characters: they break databases and terminals and carry no meaning.
_INVALID_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_SPACES = re.compile(r"[^\S\n]+")
_TAG = re.compile(r"<[^>]*>?")
# A start tag, end tag or self-closing tag with nothing but its name (the names the parser accepts
# are wider; anything else makes the fragment one for the parser).
_BARE_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\s*(/?)>")


class _TextSink:
    """What a parse produces, tag by tag: the text chunks with line breaks where blocks begin and end."""

    def __init__(self) -> None:
        self.chunks: list[str] = []
        self._hidden_depth = 0
        self._link_href: str | None = None
        self._link_text_start = 0
        # Right after a bullet, a nested block (<li><p>...) must not push its text to a new line.
        self._after_bullet = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden_depth += 1
        elif tag == "br":
            self.chunks.append("\n")
        elif tag == "li":
            self.chunks.append("\n" + _LIST_ITEM_PREFIX)
            self._after_bullet = True
        elif tag in _BLOCK_TAGS and not self._after_bullet:
            self.chunks.append("\n")
        elif tag == "a":
            self._link_href = next((value for name, value in attrs if name == "href" and value), None)
            self._link_text_start = len(self.chunks)
        elif tag == "img":
            alt = next((value for name, value in attrs if name == "alt" and value), None)
            if alt and not self._hidden_depth:
                self.chunks.append(alt)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # A self-closing hidden tag (<script/>) has no content to hide.
        if tag not in _HIDDEN_TAGS:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")
        elif tag == "a":
            link_text = "".join(self.chunks[self._link_text_start :]).strip()
            if not link_text and self._link_href and not self._hidden_depth:
                self.chunks.append(f" {self._link_href} ")
            self._link_href = None

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.chunks.append(data)
            self._after_bullet = self._after_bullet and not data.strip()


class _TextExtractor(_TextSink, HTMLParser):
    def __init__(self) -> None:
        _TextSink.__init__(self)
        HTMLParser.__init__(self, convert_charrefs=True)


def _bare_markup_text(source: str) -> str | None:
    """The text of a fragment of bare tags (no attributes, comments or declarations) and text, as
    the parser would give it; None for anything else.

    Most message bodies are such fragments (``<p>Hi,</p><p>…<br>…</p>``); reading them with one
    regular expression instead of the parser takes a fraction of the time, which counts when a
    backfill normalises a thousand conversations a second.
    """
    sink = _TextSink()
    position = 0
    for tag in _BARE_TAG.finditer(source):
        closing, name, self_closing = tag.groups()
        name = name.lower()
        text = source[position : tag.start()]
        # A "<" in the text opens no bare tag (a comment, attributes, a stray "<"); the parser
        # reads hidden elements' content raw and tolerates "</p/>": all of them are left to it.
        if "<" in text or name in _HIDDEN_TAGS or (closing and self_closing):
            return None
        if text:
            sink.handle_data(html.unescape(text))
        if closing:
            sink.handle_endtag(name)
        elif self_closing:
            sink.handle_startendtag(name, [])
        else:
            sink.handle_starttag(name, [])
        position = tag.end()
    rest = source[position:]
    if "<" in rest:
        return None
    if rest:
        sink.handle_data(html.unescape(rest))
    return "".join(sink.chunks)


def strip_invalid(value: str) -> str:
    """``value`` without control characters, lone surrogates and non-characters."""
    return _INVALID_CHARS.sub("", value)


def html_to_text(value: str | None) -> str:
    """Readable text of an HTML fragment: one line per block, entities decoded, spaces collapsed."""
    if not value:
        return ""
    source = _INVALID_CHARS.sub("", value)
    if "<" not in source and "&" not in source:
        return _tidy(source)
    text = _bare_markup_text(source)
    return _tidy(text if text is not None else _parsed_text(source))


def _parsed_text(source: str) -> str:
    """The text of any fragment, through the standard library's tolerant parser."""
    parser = _TextExtractor()
    try:
        parser.feed(source)
        parser.close()
        return "".join(parser.chunks)
    except Exception:  # the parser is tolerant, but a fragment it rejects must still yield text
        return html.unescape(_TAG.sub(" ", source))


def _tidy(text: str) -> str:
    text = _INVALID_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " "))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line and line != _LIST_ITEM_PREFIX.strip())
