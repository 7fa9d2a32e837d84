"""The fake Bot API server's HTML parse mode against a frozen copy of its first version.

`tests/fake_telegram.py` parses the bot's HTML as Telegram does (text, entities with UTF-16
offsets, tdlib's error descriptions); its parser was rewritten for speed (the benchmarks
charge the fake's work to the bot). The first version, character by character, is kept here
verbatim as the reference: the fast one must answer exactly the same on

- every HTML text the bot sent in a run of the end-to-end scenarios and of
  bench/latency.py (tests/fixtures/fake_telegram_answers.json);
- handwritten edge cases (astral characters, nesting, malformed HTML, entities, whitespace);
- generated mixtures of tags, broken tags, entities and text (Hypothesis),

through `parse_html` and through the whole text path of sendMessage (trimming, the limit,
the "can't parse entities" answer).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fake_telegram import (
    MAX_CAPTION,
    MAX_TEXT,
    ApiError,
    FakeTelegram,
    HtmlParseError,
    _strip_text,
    parse_html,
    utf16_len,
)

ANSWERS = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "fake_telegram_answers.json").read_text("utf-8")
)

# --- the reference: the parser as it was before the rewrite, verbatim ----------------------


def _ref_utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_REF_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_REF_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_REF_ENTITY_RE = re.compile(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[a-zA-Z][a-zA-Z0-9]{0,15});")
_REF_TAG_NAME_RE = re.compile(r"[a-zA-Z0-9-]*")
_REF_ATTR_NAME_RE = re.compile(r"[a-zA-Z0-9_-]*")


def _ref_decode_entity(match: re.Match[str]) -> str | None:
    body = match.group(1)
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1:2] in "xX" else int(body[1:])
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code)
        return None
    return _REF_NAMED_ENTITIES.get(body)


def reference_parse_html(
    source: str, *, reject_bare_ampersand: bool = True
) -> tuple[str, list[dict]]:
    """Parse Telegram's HTML subset into (plain text, entities) or raise HtmlParseError.

    Error wording and byte offsets follow tdlib's parser, which produces Telegram's
    "can't parse entities" descriptions.
    """

    def byte_offset(index: int) -> int:
        return len(source[:index].encode())

    out: list[str] = []
    pos16 = 0  # UTF-16 length of the text produced so far
    stack: list[dict[str, Any]] = []
    entities: list[dict] = []
    i, n = 0, len(source)

    def emit(chars: str) -> None:
        nonlocal pos16
        out.append(chars)
        pos16 += _ref_utf16_len(chars)

    while i < n:
        ch = source[i]
        if ch == "&":
            match = _REF_ENTITY_RE.match(source, i)
            decoded = _ref_decode_entity(match) if match else None
            if match and decoded is not None:
                emit(decoded)
                i = match.end()
                continue
            if reject_bare_ampersand:
                # Stricter than Telegram (which keeps such an "&" literally): an unescaped
                # "&" almost always means user text went into HTML without html.escape().
                raise HtmlParseError(
                    f'Character "&" at byte offset {byte_offset(i)} does not start a '
                    "supported entity; escape it as &amp;"
                )
            emit(ch)
            i += 1
            continue
        if ch != "<":
            emit(ch)
            i += 1
            continue
        begin = i
        if source.startswith("</", i):
            close = source.find(">", i + 2)
            if close == -1:
                raise HtmlParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
            name = source[i + 2 : close].strip().lower()
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {byte_offset(begin)}")
            top = stack.pop()
            if name != top["tag"]:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {byte_offset(begin)}, "
                    f'expected "</{top["tag"]}>", found "</{name}>"'
                )
            _ref_close_entity(top, pos16, stack, entities)
            i = close + 1
            continue
        # Start tag.
        j = _REF_TAG_NAME_RE.match(source, i + 1).end()
        name = source[i + 1 : j].lower()
        if j >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
        if name not in _REF_HTML_TAGS:
            raise HtmlParseError(
                f'Unsupported start tag "{name}" at byte offset {byte_offset(begin)}'
            )
        attrs: dict[str, str] = {}
        while True:
            while j < n and source[j].isspace():
                j += 1
            if j >= n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            if source[j] == ">":
                break
            attr_end = _REF_ATTR_NAME_RE.match(source, j).end()
            attr = source[j:attr_end].lower()
            if not attr:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {byte_offset(j)}'
                )
            j = attr_end
            while j < n and source[j].isspace():
                j += 1
            if j < n and source[j] == "=":
                j += 1
                while j < n and source[j].isspace():
                    j += 1
                if j >= n:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
                if source[j] in "\"'":
                    quote_end = source.find(source[j], j + 1)
                    if quote_end == -1:
                        raise HtmlParseError(
                            f"Unclosed start tag at byte offset {byte_offset(begin)}"
                        )
                    raw_value = source[j + 1 : quote_end]
                    j = quote_end + 1
                else:
                    value_end = j
                    while (
                        value_end < n
                        and not source[value_end].isspace()
                        and (source[value_end] != ">")
                    ):
                        value_end += 1
                    raw_value = source[j:value_end]
                    j = value_end
                attrs[attr] = _REF_ENTITY_RE.sub(
                    lambda m: _ref_decode_entity(m) or m.group(0), raw_value
                )
            else:
                attrs[attr] = ""  # a valueless attribute, like <blockquote expandable>
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise HtmlParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
                f"{byte_offset(begin)}"
            )
        stack.append({"tag": name, "offset": pos16, "attrs": attrs})
        i = j + 1

    if stack:
        raise HtmlParseError(
            f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"'
        )
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _ref_close_entity(
    frame: dict[str, Any], end16: int, stack: list[dict[str, Any]], entities: list[dict]
) -> None:
    tag, attrs = frame["tag"], frame["attrs"]
    length = end16 - frame["offset"]
    language = attrs.get("class", "")
    if tag == "code" and stack and stack[-1]["tag"] == "pre" and language.startswith("language-"):
        # <pre><code class="language-x"> is one pre entity with a language, as in Telegram.
        stack[-1]["language"] = language.removeprefix("language-")
        return
    if length <= 0:
        return  # Telegram drops empty entities
    entity: dict[str, Any] = {
        "type": _REF_HTML_TAGS[tag],
        "offset": frame["offset"],
        "length": length,
    }
    if tag == "a":
        entity["url"] = attrs.get("href", "")
    elif tag == "pre" and frame.get("language"):
        entity["language"] = frame["language"]
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs["emoji-id"]
    entities.append(entity)


def reference_strip_text(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Trim surrounding whitespace like Telegram does, keeping entity offsets right."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = _ref_utf16_len(text[: len(text) - len(text.lstrip())])
    end = lead + _ref_utf16_len(stripped)
    result = []
    for entity in entities:
        start = max(entity["offset"], lead)
        stop = min(entity["offset"] + entity["length"], end)
        if stop > start:
            result.append({**entity, "offset": start - lead, "length": stop - start})
    return stripped, result


def reference_formatted(text: str, *, reject: bool, caption: bool) -> Any:
    """What the first `FakeTelegram._formatted` made of an HTML text or caption."""
    try:
        text, entities = reference_parse_html(text, reject_bare_ampersand=reject)
    except HtmlParseError as error:
        return ("error", f"Bad Request: can't parse entities: {error}")
    text, entities = reference_strip_text(text, entities)
    if not caption and _ref_utf16_len(text) > MAX_TEXT:
        return ("error", "Bad Request: message is too long")
    if caption and _ref_utf16_len(text) > MAX_CAPTION:
        return ("error", "Bad Request: message caption is too long")
    return text, entities


# --- comparing ----------------------------------------------------------------------------


def _as_json(outcome: Any) -> str:
    # JSON, so the key order of every entity (what the bot receives) is compared too.
    return json.dumps(outcome, ensure_ascii=False)


def parsed(parse: Any, source: str, reject: bool) -> str:
    try:
        return _as_json(parse(source, reject_bare_ampersand=reject))
    except HtmlParseError as error:
        return _as_json(("error", str(error)))


def formatted(source: str, *, reject: bool, caption: bool) -> str:
    tg = FakeTelegram(reject_bare_ampersand=reject)
    key, limit, entities_key = (
        ("caption", MAX_CAPTION, "caption_entities") if caption else ("text", MAX_TEXT, "entities")
    )
    try:
        result = tg._formatted({key: source, "parse_mode": "HTML"}, key, limit, entities_key)
    except ApiError as error:
        return _as_json(("error", error.description))
    return _as_json(result)


def assert_same(source: str) -> None:
    for reject in (True, False):
        assert parsed(parse_html, source, reject) == parsed(reference_parse_html, source, reject)
        if source:  # an empty text is refused before parsing
            for caption in (False, True):
                assert formatted(source, reject=reject, caption=caption) == _as_json(
                    reference_formatted(source, reject=reject, caption=caption)
                )


# --- the bot's own answers ----------------------------------------------------------------


def test_fixture_holds_the_bots_html_answers() -> None:
    # The fixture must keep exercising the parser: long pages, entities, a keyboard's worth.
    assert len(ANSWERS) > 100
    assert max(len(answer) for answer in ANSWERS) > 3000
    entity_counts = [len(reference_parse_html(answer)[1]) for answer in ANSWERS]
    assert max(entity_counts) >= 20
    assert any(re.search(r"[\U00010000-\U0010ffff]", answer) for answer in ANSWERS)


def test_the_bots_answers_parse_as_before() -> None:
    for index, answer in enumerate(ANSWERS):
        try:
            assert_same(answer)
        except AssertionError:
            pytest.fail(f"answer #{index} parses differently: {answer[:300]!r}")


# --- handwritten edge cases ---------------------------------------------------------------

ASTRAL = "😀 𝔸 👨‍👩‍👧 🇷🇺"
EDGE_CASES = [
    "",
    "plain text",
    "  leading and trailing whitespace \n\t ",
    "<b> </b>",
    "<b>bold</b> and <i>italic</i>",
    f"<b>{ASTRAL}</b> after <i>{ASTRAL}</i>{ASTRAL}<u>x</u>",
    "😀<b>😀</b>😀<code>𝔸</code>",
    "<b>outer <i>inner <u>deepest</u> inner</i> outer</b>",
    "<b><i>same start</i> longer</b>",
    "<b>same end <i>inner</i></b>",
    "<b><i><u><s>all at once</s></u></i></b>",
    "<strong>s</strong><em>e</em><ins>i</ins><strike>k</strike><del>d</del>",
    "<b></b><i></i>x<code></code>",
    "<b><i></i></b>",
    '<a href="https://example.com/?a=1&amp;b=2&lt;">link</a>',
    "<a href='https://example.com/single'>single</a>",
    "<a href=https://example.com/bare>bare</a>",
    "<a>no href</a>",
    '<a href="">empty href</a>',
    '<A HREF="HTTPS://X.RU">upper</A>',
    "<code>x &lt; y &amp;&amp; y &gt; z</code>",
    "<pre>block\n  indented\n</pre>",
    '<pre><code class="language-python">print("hi")</code></pre>',
    '<pre><code class="language-">empty language</code></pre>',
    '<pre><code class="python">not a language</code></pre>',
    '<code class="language-python">no pre</code>',
    '<pre><b><code class="language-x">not direct</code></b></pre>',
    '<pre><code class="language-x"></code></pre>',
    "<blockquote>quote</blockquote>",
    "<blockquote expandable>long quote</blockquote>",
    "<blockquote expandable=''>x</blockquote>",
    "<tg-spoiler>hidden</tg-spoiler>",
    '<span class="tg-spoiler">hidden</span>',
    '<span class="other">bad span</span>',
    "<span>bad span</span>",
    '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
    '<tg-emoji emoji-id="abc">👍</tg-emoji>',
    "<tg-emoji>👍</tg-emoji>",
    "&lt;b&gt;not a tag&lt;/b&gt; &amp; &quot;quoted&quot;",
    "&#60;&#x3C;&#X3c;&#128512;&#x1F600;",
    "&#0; zero",
    "&#xD800; surrogate",
    "&#1114112; too big",
    "&#99999999;",
    "&nbsp; unsupported",
    "&apos; unsupported",
    "bare & ampersand",
    "&amp",
    "&",
    "&;",
    "&#;",
    "&#x;",
    "a &abcdefghijklmnop; long name",
    "<",
    ">",
    "a > b",
    "<b",
    "<b ",
    "<b>unclosed",
    "<b><i>unclosed both</b>",
    "</b>",
    "</b",
    "text </ b>",
    "<b>x</ b >",
    "<b>x</B>",
    "<b>x</strong>",
    "<strong>x</b>",
    "<b>x</b></b>",
    "<br>",
    "<br/>",
    "<b/>",
    "<b / >x</b>",
    "< b>x</b>",
    "<>",
    "</>",
    "<1>",
    "<b =x>y</b>",
    "<b x>y</b>",
    "<b x=>y</b>",
    "<b x=",
    '<a href="unclosed>x</a>',
    "<a href='unclosed>x</a>",
    '<a href = "spaced" >x</a>',
    '<a href="a" href="b">x</a>',
    '<a\thref="tab"\n>x</a>',
    "<b>\u00a0nbsp\u00a0</b>",
    "\u2028line separator\u2029",
    "<b>x</b>\n\n",
    "\n\n<b>x</b>",
    "  <b>  padded  </b>  ",
    " <b> </b> x ",
    "x<b>  </b>",
    "<b>Привет</b>, <i>мир</i> — «кавычки» № 5",
    "e\u0301 combining <b>e\u0301</b>",
    "\x00 nul <b>\x00</b>",
    "😀" * 2048,
    "😀" * 2049,
    "<b>" + "я" * 4096 + "</b>",
    "<b>" + "я" * 4097 + "</b>",
    " " * 10 + "я" * 4096 + " " * 10,
    "я" * 1024,
    "я" * 1025,
    "<i>" + "&amp;" * 1100 + "</i>",
]


@pytest.mark.parametrize("source", EDGE_CASES, ids=range(len(EDGE_CASES)))
def test_edge_cases_parse_as_before(source: str) -> None:
    assert_same(source)


def test_utf16_len_counts_surrogate_pairs() -> None:
    for text in ("", "abc", "я", ASTRAL, "a😀b" * 3, "\U0010ffff", "\ud7ff\ue000"):
        assert utf16_len(text) == _ref_utf16_len(text)


def test_strip_text_as_before() -> None:
    for source in EDGE_CASES + ANSWERS[:50]:
        try:
            text, entities = reference_parse_html(source, reject_bare_ampersand=False)
        except HtmlParseError:
            continue
        for variant in (text, f"  {text}\n", f"\t{text}", f"{text} \u00a0"):
            assert _as_json(_strip_text(variant, entities)) == _as_json(
                reference_strip_text(variant, entities)
            )


# --- generated ----------------------------------------------------------------------------

TOKENS = (
    "<b>", "</b>", "<i>", "</i>", "<u>", "</u>", "<s>", "</s>", "<strong>", "</strong>",
    "<em>", "</em>", "<del>", "</del>", "<code>", "</code>", "<pre>", "</pre>",
    '<pre><code class="language-py">', '<code class="language-x">', "<blockquote>",
    "<blockquote expandable>", "</blockquote>", "<tg-spoiler>", "</tg-spoiler>",
    '<span class="tg-spoiler">', "<span>", "</span>", '<a href="https://x.ru/?a=1&amp;b">',
    "<a href=x>", "<a href='y'>", "</a>", '<tg-emoji emoji-id="53683">', "</tg-emoji>",
    '<tg-emoji emoji-id="x">', "<B>", "</B >", "< /b>", "</ b>", "<b", "</b", "<", ">",
    "<br>", "<b/>", "<b =x>", '<a href="x', "<a href='", "<b x>", "<>", "</>",
    "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#x1F600;", "&#0;", "&#xD800;", "&nbsp;",
    "&", "&amp", "&#;", " ", "  ", "\n", "\t", "\u00a0", "😀", "👨‍👩‍👧", "𝔸", "é", "e\u0301",
    "Привет", "abc", "1.2", "·", "—", "\u2028", "\x00",
)  # fmt: skip
TEXT = st.text(max_size=6)
SOUP = st.lists(st.one_of(st.sampled_from(TOKENS), TEXT), max_size=40).map("".join)

PAIRS = (
    ("<b>", "</b>"), ("<i>", "</i>"), ("<u>", "</u>"), ("<s>", "</s>"),
    ("<strong>", "</strong>"), ("<em>", "</em>"), ("<ins>", "</ins>"), ("<del>", "</del>"),
    ("<code>", "</code>"), ("<pre>", "</pre>"),
    ('<pre><code class="language-go">', "</code></pre>"),
    ('<code class="language-x">', "</code>"), ("<blockquote>", "</blockquote>"),
    ("<blockquote expandable>", "</blockquote>"), ("<tg-spoiler>", "</tg-spoiler>"),
    ('<span class="tg-spoiler">', "</span>"), ('<a href="https://x.ru/?q=1&amp;r=2">', "</a>"),
    ("<a href=https://y.ru>", "</a>"), ('<tg-emoji emoji-id="5368">', "</tg-emoji>"),
)  # fmt: skip
LEAF = st.one_of(
    st.sampled_from(("&amp;", "&lt;", "&gt;", "&quot;", "&#128512;", " ", "\n", "😀", "я")),
    st.text(max_size=8).map(lambda s: s.replace("&", "&amp;").replace("<", "&lt;")),
)
WELL_FORMED = st.recursive(
    LEAF,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(PAIRS), st.lists(inner, max_size=4)).map(
            lambda pair: pair[0][0] + "".join(pair[1]) + pair[0][1]
        ),
        st.lists(inner, min_size=2, max_size=4).map("".join),
    ),
    max_leaves=40,
)


@given(SOUP)
@example("<b>😀</b>&amp;<i>𝔸 </i> ")
def test_tag_soup_parses_as_before(source: str) -> None:
    assert_same(source)


@given(WELL_FORMED)
@example('<b>a<i>😀</i></b><pre><code class="language-go">x</code></pre>')
def test_nested_html_parses_as_before(source: str) -> None:
    assert_same(source)


def _insert(parts: tuple[str, str, int]) -> str:
    html, token, where = parts
    cut = where % (len(html) + 1)
    return html[:cut] + token + html[cut:]


# Valid HTML with one token (often a broken one) put anywhere: errors deep inside nesting,
# after astral characters (byte offsets), between a tag and its text.
ALMOST_WELL_FORMED = st.tuples(WELL_FORMED, st.sampled_from(TOKENS), st.integers(0, 10**6)).map(
    _insert
)


@given(ALMOST_WELL_FORMED)
@example("<b>😀<i>x</i><b</b>")
def test_almost_valid_html_parses_as_before(source: str) -> None:
    assert_same(source)
