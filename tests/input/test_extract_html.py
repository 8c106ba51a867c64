"""Tests for checker.input.html: visible text and its exact map back into the HTML."""

from __future__ import annotations

import html as html_lib
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import checker.input.html as extract_module
from checker.input.html import ExtractedHtml, HtmlInputError, extract_html

_WS_CHARS = " \t\n\r\f\xa0"
_WORD_SPLIT = re.compile(r"[ \t\n\r\f\xa0]+")


_NUMERIC_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));?\Z")


def decode_ref(src: str) -> str:
    """What a browser shows for one reference (html.unescape drops control characters)."""
    m = _NUMERIC_REF.match(src)
    if m is None:
        return html_lib.unescape(src)
    num = int(m.group(1), 16) if m.group(1) else int(m.group(2))
    if num == 0 or num > 0x10FFFF or 0xD800 <= num <= 0xDFFF:
        return "\ufffd"
    if 0x80 <= num <= 0x9F:
        return html_lib.unescape(src)  # Windows-1252 remapping
    return chr(num)


def assert_map_ok(ex: ExtractedHtml) -> None:
    """Every character maps to itself, a reference decoding to it, collapsed whitespace, or a tag."""
    text, html = ex.text, ex.html
    starts, ends = list(ex.source_starts), list(ex.source_ends)
    assert len(starts) == len(ends) == len(text)
    assert all(a <= b for a, b in zip(starts, starts[1:])), "source_starts must be non-decreasing"
    assert all(a <= b for a, b in zip(ends, ends[1:])), "source_ends must be non-decreasing"
    assert all(0 <= s <= e <= len(html) for s, e in zip(starts, ends))
    i = 0
    while i < len(text):
        s, e = starts[i], ends[i]
        j = i + 1
        # characters decoded from one reference share its span
        while s != e and j < len(text) and starts[j] == s and ends[j] == e:
            j += 1
        chunk, src = text[i:j], html[s:e]
        if s == e:
            assert chunk == "\n", f"zero-width char {chunk!r} at {i}"
            assert html.startswith("<", s), f"separator at {i} does not point at a tag: {html[s:s + 10]!r}"
        elif src == chunk:
            pass
        elif src.startswith("&"):
            decoded = decode_ref(src)
            if chunk == " ":
                assert decoded in _WS_CHARS and decoded, (i, src)
            elif chunk == "\n":
                assert decoded in ("\n", "\r"), (i, src)
            else:
                assert decoded == chunk, (i, chunk, src)
        elif chunk == " ":
            assert len(src) == 1 and src in _WS_CHARS, (i, src)
        elif chunk == "\n":
            assert src in ("\n", "\r", "\r\n"), (i, src)
        else:
            raise AssertionError(f"char {i} {chunk!r} maps to {src!r}")
        i = j
    # separators are never leading, trailing, or more than a paragraph break
    assert text == text.strip(" \n")
    assert "\n\n\n" not in text and " \n" not in text and "\n " not in text and "  " not in text


def source_of(ex: ExtractedHtml, phrase: str) -> str:
    start = ex.text.index(phrase)
    s, e = ex.to_source(start, start + len(phrase))
    return ex.html[s:e]


# --- basics ----------------------------------------------------------------------------


def test_inline_claim_maps_back_to_html():
    html = "<p>Our cells <b>cures</b> MS</p>"
    ex = extract_html(html)
    assert ex.text == "Our cells cures MS"
    assert_map_ok(ex)
    src = source_of(ex, "cures MS")
    assert src == "cures</b> MS"
    assert src.startswith("cures") and src.endswith("MS")
    s, e = ex.to_source(ex.text.index("cures"), ex.text.index("cures") + 5)
    assert html[s:e] == "cures"


def test_inline_elements_add_nothing():
    ex = extract_html("<p><span>FDA</span>-approved <em>stem</em><strong>cell</strong> <a href='x'>therapy</a></p>")
    assert ex.text == "FDA-approved stemcell therapy"
    assert_map_ok(ex)


def test_to_source_edges():
    ex = extract_html("<p>ab</p><p>cd</p>")
    assert ex.text == "ab\n\ncd"
    assert ex.to_source(0, 0) == (3, 3)
    assert ex.to_source(len(ex.text), len(ex.text)) == (ex.html.index("cd") + 2,) * 2
    s, e = ex.to_source(0, len(ex.text))
    assert ex.html[s:e] == "ab</p><p>cd"
    with pytest.raises(ValueError):
        ex.to_source(0, 99)
    with pytest.raises(ValueError):
        ex.to_source(3, 2)
    empty = extract_html("")
    assert empty.text == "" and empty.to_source(0, 0) == (0, 0)


def test_rejects_non_str():
    with pytest.raises(TypeError):
        extract_html(b"<p>x</p>")  # type: ignore[arg-type]


# --- hidden content ---------------------------------------------------------------------


def test_script_style_head_comment_ignored():
    html = (
        "<!DOCTYPE html><html><head><title>Cure for MS</title><meta charset='utf-8'>"
        "<style>p { color: red } /* cures MS */</style><script>var s = '<p>cures ALS</p>';</script>"
        "</head><body><!-- cures autism --><p>Visible</p><script>if (a < b) {}</script>"
        "<noscript>Enable JS to cure</noscript><template><p>cures</p></template>"
        "<?php echo 'x'; ?><p>Text</p></body></html>"
    )
    ex = extract_html(html)
    assert ex.text == "Visible\n\nText"
    assert_map_ok(ex)


def test_navigation_menus_are_not_checked():
    # A menu's link labels are not the page's copy ("Book now" is a button, not urgency).
    html = (
        "<header><nav><a href='/'>Home</a> <a href='/book'>Book now</a></nav>"
        "<p>Our clinic</p></header><main><p>Stem cells cure MS.</p></main>"
        "<footer><nav><ul><li><a href='/t'>Treatments</a></li></ul></nav>Call us</footer>"
    )
    ex = extract_html(html)
    assert ex.text == "Our clinic\n\nStem cells cure MS.\n\nCall us"
    assert_map_ok(ex)


def test_hidden_attributes_and_inline_styles():
    html = (
        "<div>A</div><div hidden>h1</div><div hidden=''>h2</div><span aria-hidden='true'>h3</span>"
        "<span aria-hidden='false'>B</span><div style='color:red; display : none !important'>h4</div>"
        "<p style='VISIBILITY:hidden'>h5</p><p style='display:block'>C</p>"
        "<div hidden='until-found'>D</div><div style='--display:none'>E</div>"
        "<div hidden><p>deep <b>h6</b></p><div>h7</div></div>F"
    )
    ex = extract_html(html)
    assert ex.text == "A\n\nB\n\nC\n\nD\n\nE\n\nF"
    assert_map_ok(ex)


def test_hidden_attributes_on_body_are_ignored():
    ex = extract_html("<html hidden><body style='display:none'><p>Cures MS</p></body></html>")
    assert ex.text == "Cures MS"


def test_svg_only_text_elements():
    html = (
        "<p>Before</p><svg viewBox='0 0 10 10'><title>icon title</title><desc>d</desc>"
        "<defs><text>defs text</text></defs><path d='M0 0'/><g><text x='1'>Label <tspan>one</tspan></text></g>"
        "<foreignObject><div>Foreign</div></foreignObject></svg><p>After</p>"
    )
    ex = extract_html(html)
    assert ex.text == "Before\n\nLabel one\n\nForeign\n\nAfter"
    assert_map_ok(ex)


def test_head_without_end_tag_ends_at_body_content():
    ex = extract_html("<html><head><title>T</title><meta name=x><p>Body text</p>")
    assert ex.text == "Body text"
    ex = extract_html("<head><title>T</title>Loose text")
    assert ex.text == "Loose text"
    # a stray <head> inside the body must not hide the rest of the page
    ex = extract_html("<p>One</p><head><p>Two</p>")
    assert ex.text == "One\n\nTwo"


def test_textarea_and_pre_are_visible_and_keep_line_breaks():
    ex = extract_html("<p>Intro</p><pre>\nline one\n  line two\n\n\n\nline three\n</pre><textarea>typed  text</textarea>")
    assert ex.text == "Intro\n\nline one\nline two\n\nline three\n\ntyped text"
    assert_map_ok(ex)


# --- entities ---------------------------------------------------------------------------


def test_entities_decode_and_map_to_whole_reference():
    html = "<p>Safe &amp; effective&nbsp;therapy caf&eacute; &#233; &#xE9; &#X1F600; &lt;b&gt;</p>"
    ex = extract_html(html)
    assert ex.text == "Safe & effective therapy café é é 😀 <b>"
    assert_map_ok(ex)
    amp = ex.text.index("&")
    assert html[ex.source_starts[amp] : ex.source_ends[amp]] == "&amp;"
    nb = ex.text.index("effective") + len("effective")
    assert ex.text[nb] == " " and html[ex.source_starts[nb] : ex.source_ends[nb]] == "&nbsp;"
    e1 = ex.text.index("é", ex.text.index("caf"))
    assert html[ex.source_starts[e1] : ex.source_ends[e1]] == "&eacute;"
    assert source_of(ex, "é é 😀") == "&#233; &#xE9; &#X1F600;"


def test_entities_without_semicolon_and_invalid_numbers():
    ex = extract_html("<p>a &amp b &ampx &eacute &notit; &#233x &#0; &#xD800; &#x110000; &#99999999999999; &#128; &#x</p>")
    assert ex.text == "a & b &x é ¬it; éx \ufffd \ufffd \ufffd \ufffd € &#x"
    assert_map_ok(ex)


def test_entities_at_end_of_input():
    assert extract_html("Fees &amp").text == "Fees &"
    assert extract_html("caf&#233").text == "café"
    assert extract_html("caf&#xE9").text == "café"
    assert extract_html("x &#").text == "x &#"
    assert extract_html("x &").text == "x &"
    assert extract_html("x &unknownentity").text == "x &unknownentity"
    for h in ("Fees &amp", "caf&#233", "x &#", "x &unknownentity"):
        assert_map_ok(extract_html(h))


def test_multi_codepoint_entity_maps_both_chars():
    html = "<p>a &NotEqualTilde; b</p>"
    ex = extract_html(html)
    assert ex.text == "a \u2242\u0338 b"
    assert_map_ok(ex)
    assert ex.source_starts[2] == ex.source_starts[3] == html.index("&")


def test_nbsp_and_whitespace_runs_collapse():
    html = "<p>  cures \n\t MS&nbsp;&nbsp; now\xa0 x </p>"
    ex = extract_html(html)
    assert ex.text == "cures MS now x"
    assert_map_ok(ex)
    sp = ex.text.index(" ")
    assert ex.source_starts[sp] == html.index("cures") + 5  # first char of the run


def test_invisible_characters_dropped():
    ex = extract_html("<p>stem&shy;cell cu\u00adres MS\u200b\ufeff</p>")
    assert ex.text == "stemcell cures MS"
    assert_map_ok(ex)


# --- blocks -----------------------------------------------------------------------------


def test_blocks_are_separated():
    html = (
        "<div><h1>Title</h1><p>First para.</p><ul><li>one</li><li>two</li></ul>"
        "<table><tr><td>cell a</td><td>cell b</td></tr></table>Tail<br>next line<br><br><br>after</div>"
    )
    ex = extract_html(html)
    assert ex.text == "Title\n\nFirst para.\n\none\n\ntwo\n\ncell a\n\ncell b\n\nTail\nnext line\n\nafter"
    assert_map_ok(ex)
    i = ex.text.index("\n")
    assert ex.source_starts[i] == ex.source_ends[i] == html.index("</h1>")
    j = ex.text.index("Tail") + 4
    assert ex.text[j] == "\n" and ex.source_starts[j] == html.index("<br>")


def test_block_boundaries_drop_surrounding_spaces():
    ex = extract_html("<div> a </div> <div> b <br> c </div>")
    assert ex.text == "a\n\nb\nc"
    assert_map_ok(ex)


def test_no_leading_or_trailing_separators():
    ex = extract_html("<div><p></p><br><p>only</p><br></div><p></p>")
    assert ex.text == "only"


def test_implied_end_tags_keep_depth_flat():
    html = "".join(f"<p>para {i}" for i in range(2000)) + "<ul>" + "".join(f"<li>item {i}" for i in range(2000))
    ex = extract_html(html)
    assert ex.text.startswith("para 0\n\npara 1\n\n")
    assert ex.text.endswith("item 1998\n\nitem 1999")
    assert_map_ok(ex)


# --- CRLF -------------------------------------------------------------------------------


def test_crlf_offsets_are_exact():
    html = "<html>\r\n<body>\r\n<p>Our cells\r\n<b>cure</b>\r\nMS &amp; ALS</p>\r\n\r\n<p>Second\rline</p>\r\n</body>\r\n</html>\r\n"
    ex = extract_html(html)
    assert ex.text == "Our cells cure MS & ALS\n\nSecond line"
    assert_map_ok(ex)
    assert source_of(ex, "cure MS") == "cure</b>\r\nMS"
    amp = ex.text.index("&")
    assert ex.source_starts[amp] == html.index("&amp;")
    assert source_of(ex, "Second line") == "Second\rline"
    sp = ex.text.index("MS") - 1
    assert html[ex.source_starts[sp] : ex.source_ends[sp]] == "\r"


def test_crlf_in_pre_maps_line_break():
    html = "<pre>a\r\nb\rc\nd</pre>"
    ex = extract_html(html)
    assert ex.text == "a\nb\nc\nd"
    assert_map_ok(ex)
    assert html[ex.source_starts[1] : ex.source_ends[1]] == "\r\n"


def test_many_lines_offsets():
    lines = [f"<p>line {i} &amp; more</p>" for i in range(300)]
    for sep in ("\n", "\r\n", "\r"):
        html = sep.join(lines)
        ex = extract_html(html)
        assert_map_ok(ex)
        k = ex.text.index("line 299")
        assert ex.source_starts[k] == html.index("line 299")


# --- malformed --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>unclosed <b>bold", "unclosed bold"),
        ("</div>stray end</span></p>", "stray end"),
        ("<div><p>a</div>b</p>c", "a\n\nb\n\nc"),
        ("1 < 2 and 3 > 2", "1 < 2 and 3 > 2"),
        ("a<b", "a"),  # EOF inside a tag: browsers drop the tag
        ("x <", "x <"),
        ("x </", "x </"),
        ("text <!-- unterminated comment <p>hidden</p>", "text"),
        ("text <!-- ok --> more", "text more"),
        ("a<!-->b<!--->c", "abc"),
        ("a<!-- x --!>b", "ab"),
        ("text <div class='x", "text"),
        ("text </div", "text"),
        ("text <!DOCTYPE", "text"),
        ("text <?xml", "text"),
        ("a <![CDATA[ b ]]> c", "a c"),
        ("a <![if !IE]> b <![endif]> c", "a b c"),
        ("a <![ weird", "a"),
        ("<script>never closed <p>x</p>", ""),
        ("<b><i>mis</b>nested</i>", "misnested"),
        ("<p>a &# b &#; c &#x; d</p>", "a &# b &#; c &#x; d"),
        ("<</p>>", "<\n\n>"),
        ("<div/>self closed<br/>x", "self closed\nx"),
    ],
)
def test_malformed_inputs(html, expected):
    ex = extract_html(html)
    assert ex.text == expected
    assert_map_ok(ex)


def test_deep_nesting_raises_clear_error():
    html = "<div>" * 100_000 + "x"
    with pytest.raises(HtmlInputError, match="nesting too deep"):
        extract_html(html)
    with pytest.raises(HtmlInputError):
        extract_html("<b>" * 100_000)
    with pytest.raises(HtmlInputError):
        extract_html("<div>" * 10 + "x", max_depth=5)
    ok = extract_html("<div>" * 500 + "deep" + "</div>" * 500)
    assert ok.text == "deep"
    assert extract_html("<span>" * 600 + "x", max_depth=1000).text == "x"
    # closed elements do not accumulate
    assert extract_html("<div>x</div>" * 50_000).text.count("x") == 50_000


def test_max_depth_validation():
    with pytest.raises(ValueError):
        extract_html("x", max_depth=0)
    assert issubclass(HtmlInputError, ValueError)


def test_result_does_not_depend_on_chunk_size(monkeypatch):
    html = (
        "<p>caf&eacute; &#233x &amp <b>cures</b>\r\n MS</p><!-- a comment -->"
        "<script>x = '</p>'</script><pre>a\r\nb</pre>&#x1F600; tail &amp"
    )
    expected = extract_html(html)
    for size in (1, 2, 3, 5, 7):
        monkeypatch.setattr(extract_module, "_CHUNK", size)
        got = extract_html(html)
        assert got.text == expected.text
        assert list(got.source_starts) == list(expected.source_starts)
        assert list(got.source_ends) == list(expected.source_ends)


# --- property tests ---------------------------------------------------------------------

_WORD = st.text(alphabet="abcXYZ019éß中-😀𝔘🧬", min_size=1, max_size=6)
_ATOMS = st.one_of(
    _WORD.map(lambda w: (w, w)),
    st.sampled_from([(" ", " "), ("\n", " "), ("\t", " "), ("\r\n", " "), ("  \n ", " "), ("\r", " ")]),
    st.sampled_from(
        [
            ("&amp;", "&"),
            ("&lt;", "<"),
            ("&gt;", ">"),
            ("&nbsp;", " "),
            ("&#233;", "é"),
            ("&#xE9;", "é"),
            ("&eacute;", "é"),
            ("&#x1F600;", "😀"),
            ("&#128512;", "😀"),
            ("&quot;", '"'),
            ("&amp ", "& "),
            ("< ", "< "),
            ("& ", "& "),
            ("<!-- hidden words -->", ""),
            ("\xa0", " "),
        ]
    ),
)
_TEXT = st.lists(_ATOMS, min_size=1, max_size=6).map(lambda atoms: ("text", atoms))

_CONTAINERS = [
    ("div", "", "block"),
    ("DIV", "", "block"),
    ("section", "", "block"),
    ("span", "", "inline"),
    ("b", "", "inline"),
    ("em", "", "inline"),
    ("Strong", "", "inline"),
    ("div", " hidden", "hidden-block"),
    ("span", ' aria-hidden="true"', "hidden"),
    ("div", ' style="display:none"', "hidden-block"),
    ("span", " style='visibility: hidden'", "hidden"),
    ("template", "", "hidden"),
]


def _leaf() -> st.SearchStrategy:
    letters = st.text(alphabet="abc xyz", min_size=0, max_size=8)
    return st.one_of(
        _TEXT,
        st.just(("br",)),
        st.tuples(st.sampled_from(["p", "h2", "a", "li"]), _TEXT).map(lambda t: ("leaf", t[0], t[1])),
        st.tuples(st.sampled_from(["script", "style", "title", "noscript", "iframe"]), letters).map(lambda t: ("raw", t[0], t[1])),
    )


_TREE = st.recursive(
    _leaf(),
    lambda children: st.tuples(st.sampled_from(_CONTAINERS), st.lists(children, max_size=4)).map(
        lambda t: ("el", t[0], t[1])
    ),
    max_leaves=25,
)


def _render(node, out: list[str]) -> None:
    kind = node[0]
    if kind == "text":
        out.extend(raw for raw, _ in node[1])
    elif kind == "br":
        out.append("<br>")
    elif kind == "leaf":
        out.append(f"<{node[1]}>")
        _render(node[2], out)
        out.append(f"</{node[1]}>")
    elif kind == "raw":
        out.append(f"<{node[1]}>{node[2]}</{node[1]}>")
    else:
        (tag, attrs, _), children = node[1], node[2]
        out.append(f"<{tag}{attrs}>")
        for child in children:
            _render(child, out)
        out.append(f"</{tag}>")


def _visible(node, out: list[str]) -> None:
    """Reference model: the decoded visible text, with a break at block edges."""
    kind = node[0]
    if kind == "text":
        out.extend(dec for _, dec in node[1])
    elif kind == "br":
        out.append("\n")
    elif kind == "leaf":
        block = node[1] != "a"
        if block:
            out.append("\n")
        _visible(node[2], out)
        if block:
            out.append("\n")
    elif kind == "el":
        (_, _, role), children = node[1], node[2]
        if role.endswith("block"):
            out.append("\n")
        if not role.startswith("hidden"):
            for child in children:
                _visible(child, out)
        if role.endswith("block"):
            out.append("\n")


def _words(text: str) -> list[str]:
    return [w for w in _WORD_SPLIT.split(text) if w]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TREE, min_size=1, max_size=4), st.booleans())
def test_property_generated_html(nodes, with_head):
    out: list[str] = []
    if with_head:
        out.append("<html><head><title>head words</title><style>p{}</style></head><body>")
    for node in nodes:
        _render(node, out)
    html = "".join(out)
    expected: list[str] = []
    for node in nodes:
        _visible(node, expected)

    ex = extract_html(html)
    assert_map_ok(ex)
    assert _words(ex.text) == _words("".join(expected))
    # each visible word maps to the HTML span from its first to its last character
    pos = 0
    for word in _words(ex.text):
        start = ex.text.index(word, pos)
        end = start + len(word)
        s, e = ex.to_source(start, end)
        assert (s, e) == (ex.source_starts[start], ex.source_ends[end - 1])
        assert html_lib.unescape(html[s:e]).startswith(word[0]) or html[s:e].startswith(word[0])
        pos = end


_FUZZ_ALPHABET = st.sampled_from(
    list("<>/&#;!-=\"' abpx\r\n\té😀")
    + ["<p>", "</p>", "<div hidden>", "</div>", "<!--", "-->", "<script>", "</script>", "&amp", "&#x", "&#12",
       "<![CDATA[", "]]>", "<br/>", "<pre>", "</pre>", "<svg>", "<text>", "</svg>", "<head>", "<style>", "&nbsp;"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_FUZZ_ALPHABET, max_size=60).map("".join))
def test_property_garbage_never_crashes(html):
    ex = extract_html(html)
    assert_map_ok(ex)


@settings(max_examples=100, deadline=None)
@given(st.lists(_FUZZ_ALPHABET, max_size=40).map("".join), st.integers(min_value=1, max_value=9))
def test_property_chunking_is_invisible(html, size):
    expected = extract_html(html)
    old = extract_module._CHUNK
    extract_module._CHUNK = size
    try:
        got = extract_html(html)
    finally:
        extract_module._CHUNK = old
    assert got.text == expected.text
    assert list(got.source_starts) == list(expected.source_starts)
    assert list(got.source_ends) == list(expected.source_ends)


# --- performance --------------------------------------------------------------------------


def _big_page(target: int = 300_000) -> str:
    block = (
        "<div class='card'>\n  <h2>Stem cell therapy &amp; recovery</h2>\n"
        "  <p>Our <b>stem cells</b> cure MS, ALS &amp; autism.\n  Patients see results&nbsp;in weeks&#8212;"
        "guaranteed. Caf&eacute; talk 😀 𝔘.</p>\n  <script>var x = 1 < 2;</script>\n"
        "  <ul><li>FDA-approved</li><li>No side effects</li></ul>\n</div>\n"
    )
    return "<html><head><title>t</title></head><body>" + block * (target // len(block)) + "</body></html>"


def test_performance_300kb():
    html = _big_page()
    assert len(html) >= 290_000
    t0 = time.perf_counter()
    ex = extract_html(html)
    elapsed = time.perf_counter() - t0
    assert "cure MS, ALS & autism." in ex.text
    assert elapsed < 3.0, f"extraction took {elapsed:.2f}s"


@pytest.mark.parametrize(
    "html",
    [
        "&#;" * 100_000,
        "a&#b " * 60_000,
        "<p>" + "x" * 300_000 + "<!-- never closed",
        "<script>" + "x" * 300_000,
        "&amp" * 75_000,
    ],
)
def test_performance_hostile_inputs(html):
    t0 = time.perf_counter()
    ex = extract_html(html)
    elapsed = time.perf_counter() - t0
    assert elapsed < 3.0, f"extraction took {elapsed:.2f}s"
    assert len(ex.text) == len(ex.source_starts)


def test_markup_inside_raw_text_elements_is_not_structure():
    ex = extract_html("<p>a<title>x<div>hidden</div></p>still title</title>b</p>")
    assert ex.text == "ab"
    ex = extract_html("<noscript><p>no</p></div></noscript>c")
    assert ex.text == "c"
    ex = extract_html("<textarea>one <b>two</b></div> three</textarea><p>four</p>")
    assert ex.text == "one two three\n\nfour"
    assert_map_ok(ex)
    # svg <title> is an svg element, not raw text
    ex = extract_html("<svg><title>t<text>x</text></title></svg>y")
    assert ex.text == "y"


def test_unclosed_svg_does_not_swallow_the_page():
    ex = extract_html("<p>Intro <svg><path d='M0'><g><use href='#i'></p><p>Cures MS</p><div>more</div>")
    assert ex.text == "Intro\n\nCures MS\n\nmore"
    assert_map_ok(ex)
