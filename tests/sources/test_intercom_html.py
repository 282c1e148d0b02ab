from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convosift.sources.intercom.html import _bare_markup_text, _parsed_text, html_to_text


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<p>Hello&nbsp;<b>world</b></p><p>Second</p>", "Hello world\nSecond"),
        ("line one<br>line two<br/>line three", "line one\nline two\nline three"),
        ("<ul><li>first</li><li>second</li></ul>", "- first\n- second"),
        ("<ol><li><p>nested</p></li></ol>", "- nested"),
        ("Fish &amp; chips &lt;3 &eacute;t&eacute; &#128512;", "Fish & chips <3 été 😀"),
        ('<a href="https://x.example/a">the docs</a>', "the docs"),
        ('see <a href="https://x.example/a"></a>', "see https://x.example/a"),
        ("<script>alert('x')</script><style>p{}</style>visible", "visible"),
        ("  lots   of \t spaces \n\n\n here ", "lots of spaces\nhere"),
        ("<div><div><div>deep</div></div></div>", "deep"),
        ("<p>unclosed <b>bold <i>italic", "unclosed bold italic"),
        ("a < b and c > d", "a < b and c > d"),
        ("null\x00byte\x07bell", "nullbytebell"),
        ('<img src="x.png" alt="screenshot">', "screenshot"),
        ("", ""),
        ("<p></p><p><br></p>", ""),
    ],
)
def test_html_to_text(body: str, expected: str) -> None:
    assert html_to_text(body) == expected


def test_deeply_nested_html_does_not_overflow() -> None:
    body = "<div>" * 20_000 + "bottom" + "</div>" * 20_000
    assert html_to_text(body) == "bottom"


def test_none_is_empty() -> None:
    assert html_to_text(None) == ""


_TAGS = st.sampled_from(
    ["p", "div", "br", "li", "ul", "a", "b", "script", "style", "span", "td", "!--", "?x"]
)
_FRAGMENTS = st.one_of(
    st.text(max_size=30),
    _TAGS.map(lambda t: f"<{t}>"),
    _TAGS.map(lambda t: f"</{t}>"),
    st.sampled_from(
        ["&amp;", "&#0;", "&#xD800;", "&#99999999;", "&bogus;", "<", ">", "&", "\x00", "\ud800", "<!"]
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=40).map("".join))
def test_html_to_text_never_fails_and_output_is_clean(body: str) -> None:
    text = html_to_text(body)
    assert isinstance(text, str)
    assert "\x00" not in text
    assert not any("\ud800" <= char <= "\udfff" for char in text)
    assert "\n\n" not in text
    for line in text.split("\n"):
        assert line == line.strip()
        assert "  " not in line
    text.encode("utf-8")  # storable and printable as it is


_TAGS = [
    "p",
    "br",
    "div",
    "ul",
    "ol",
    "li",
    "a",
    "b",
    "strong",
    "em",
    "span",
    "h1",
    "img",
    "table",
    "td",
    "script",
]
_TEXTS = [
    "Hi",
    " there ",
    "Fish &amp; chips",
    "&nbsp;",
    "&#39;",
    "&#x27;",
    "&bogus;",
    "& ",
    "a > b",
    "\n",
    "  ",
    "é",
    "-",
]
_fragment_parts = st.one_of(
    st.sampled_from(_TEXTS),
    st.text(alphabet="ab &;#<>/\n", max_size=6),
    st.builds(
        lambda name, upper: f"<{name.upper() if upper else name}>", st.sampled_from(_TAGS), st.booleans()
    ),
    st.builds(
        lambda name, space: f"</{name}{space}>", st.sampled_from(_TAGS), st.sampled_from(["", " ", "\n"])
    ),
    st.builds(lambda name, space: f"<{name}{space}/>", st.sampled_from(_TAGS), st.sampled_from(["", " "])),
    st.sampled_from(['<a href="https://x.example">', '<img alt="shot">', "<!-- note -->", "<o:p>", "</p/>"]),
)


@given(st.lists(_fragment_parts, max_size=12).map("".join))
@settings(max_examples=400, deadline=None)
def test_bare_markup_reads_as_the_parser_reads_it(fragment: str) -> None:
    bare = _bare_markup_text(fragment)
    if bare is not None:
        assert bare == _parsed_text(fragment)


@pytest.mark.parametrize(
    "fragment",
    [
        "<p>Hi,</p><p>The export fails.</p><p>Thanks!<br>Ann</p>",
        "<p>Two items</p><ul><li>first</li><li>second &amp; third</li></ul>",
        "<p>Smile&nbsp;😀</p>",
        "<P>upper</P><BR/>",
    ],
)
def test_the_messages_the_messenger_writes_take_the_quick_path(fragment: str) -> None:
    assert _bare_markup_text(fragment) == _parsed_text(fragment)


@pytest.mark.parametrize(
    "fragment",
    ['<a href="https://x.example">docs</a>', "a < b", "<!-- c -->x", "<script>1 < 2</script>", "</p/>"],
)
def test_anything_else_goes_to_the_parser(fragment: str) -> None:
    assert _bare_markup_text(fragment) is None
