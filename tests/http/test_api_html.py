"""HTML input over the API: visible text only, claims across inline tags, entities,
exact mapping back into the submitted HTML; plus fuzzing that no client input gives a 500."""

from __future__ import annotations

import html as htmllib
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def _check_html(client, html: str, **options) -> dict:
    r = client.post("/v1/check", json={"html": html, "include_text": True, **options})
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["input"] == "html"
    return data


def _visible(fragment: str) -> str:
    """What a reader sees of an HTML fragment: tags dropped, entities decoded, spaces collapsed."""
    text = htmllib.unescape(re.sub(r"<[^>]*>", "", fragment))
    return re.sub(r"[ \t\r\n\f\xa0]+", " ", text)


def _assert_mapped(html: str, finding: dict) -> None:
    span = html[finding["html_start"] : finding["html_end"]]
    assert _visible(span) == finding["text"], (span, finding["text"])


def test_claims_map_back_into_the_html(client):
    html = (
        "<!DOCTYPE html><html><head><title>Clinic</title></head><body>"
        "<h1>Welcome</h1><p>Our stem cell therapy cures multiple sclerosis.</p>"
        "<p>It is FDA-approved.</p><p>The procedure has no side effects.</p></body></html>"
    )
    data = _check_html(client, html)
    assert [f["text"] for f in data["findings"]] == ["cures multiple sclerosis", "FDA-approved", "no side effects"]
    for f in data["findings"]:
        assert html[f["html_start"] : f["html_end"]] == f["text"]
        assert data["text"][f["start"] : f["end"]] == f["text"]


def test_claim_across_inline_tags(client):
    html = "<p>Our stem cell therapy <b>cures</b> MS.</p><p>It is <span>FDA</span>-approved.</p>"
    data = _check_html(client, html)
    cure, fda = data["findings"]
    assert (cure["text"], fda["text"]) == ("cures MS", "FDA-approved")
    assert html[cure["html_start"] : cure["html_end"]] == "cures</b> MS"
    assert html[fda["html_start"] : fda["html_end"]] == "FDA</span>-approved"


def test_script_style_and_hidden_text_ignored(client):
    html = (
        "<style>p::after { content: 'our stem cells cure MS' }</style>"
        "<script>var s = 'Our stem cell therapy cures multiple sclerosis.';</script>"
        "<!-- Our stem cell therapy cures multiple sclerosis. -->"
        '<p hidden>It is FDA-approved.</p><p style="display:none">The procedure has no side effects.</p>'
        "<p>We are a clinic in Berlin.</p>"
    )
    data = _check_html(client, html)
    assert data["findings"] == []
    assert data["text"] == "We are a clinic in Berlin."


def test_script_text_ignored_but_visible_copy_found(client):
    html = "<script>'It is FDA-approved.'</script><p>It is FDA-approved.</p>"
    (f,) = _check_html(client, html)["findings"]
    assert f["html_start"] > html.index("</script>")
    assert html[f["html_start"] : f["html_end"]] == "FDA-approved"


@pytest.mark.parametrize(
    ("html", "expected_span"),
    [
        ("<p>Our stem cell therapy cures multiple&nbsp;sclerosis.</p>", "cures multiple&nbsp;sclerosis"),
        ("<p>Our stem cell therapy &#99;ures MS.</p>", "&#99;ures MS"),
        ("<p>Our stem cell therapy cures&#x20;MS.</p>", "cures&#x20;MS"),
        ("<p>It is FDA&#45;approved.</p>", "FDA&#45;approved"),
        ("<p>Stem cells &amp; more. It is FDA-approved.</p>", "FDA-approved"),
        ("<p>The procedure has no side&nbsp;effects&period;</p>", "no side&nbsp;effects"),
    ],
)
def test_entities(client, html, expected_span):
    data = _check_html(client, html)
    assert data["findings"], data["text"]
    f = data["findings"][-1]
    assert html[f["html_start"] : f["html_end"]] == expected_span
    _assert_mapped(html, f)
    assert "&" not in data["text"] or "& more" in data["text"]


def test_example_clinic_page(client):
    html = open("examples/clinic-page.html", encoding="utf-8").read()
    data = _check_html(client, html)
    texts = [f["text"] for f in data["findings"]]
    assert "FDA-approved" in texts
    assert all(html[f["html_start"] : f["html_end"]] for f in data["findings"])
    for f in data["findings"]:
        _assert_mapped(html, f)
    # the comment and the script both say "cure"; only visible text counts
    assert not any("everything" in t for t in texts)


def test_deeply_nested_html_is_422(client):
    r = client.post("/v1/check", json={"html": "<div>" * 600 + "Our stem cells cure MS."})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "invalid_html" and "deep" in err["message"]


def test_malformed_html_is_accepted(client):
    html = "<p>Our stem cell therapy <b>cures <i>multiple</b> sclerosis.</i><div><p>It is FDA-approved"
    data = _check_html(client, html)
    assert {f["category"] for f in data["findings"]} == {"cure-claim", "fda-approval"}
    for f in data["findings"]:
        _assert_mapped(html, f)


# --- property: a known claim, wrapped in random inline markup and entities -----------------

CLAIMS = [
    ("Our stem cell therapy cures multiple sclerosis.", "cure-claim", "cures multiple sclerosis"),
    ("It is FDA-approved.", "fda-approval", "FDA-approved"),
    ("The procedure has no side effects.", "risk-denial", "no side effects"),
]
INLINE = ["b", "i", "em", "strong", "span", "u", "small", "mark", "a"]
SPACES = [" ", "&nbsp;", "&#32;", "&#x20;", "\n", "  ", "\t", "&#160;"]


@st.composite
def _char(draw, ch: str) -> str:
    if ch.isalpha() or ch in "-.":
        form = draw(st.sampled_from(["plain", "plain", "plain", "dec", "hex"]))
        if form == "dec":
            return f"&#{ord(ch)};"
        if form == "hex":
            return f"&#x{ord(ch):x};"
    return ch


@st.composite
def _markup(draw, text: str) -> str:
    """Encode text as HTML: random entities, whitespace forms and inline tags (even inside words)."""
    out = []
    open_tags: list[str] = []
    for ch in text:
        # maybe open or close an inline tag before this character
        if draw(st.integers(0, 6)) == 0:
            tag = draw(st.sampled_from(INLINE))
            attrs = draw(st.sampled_from(["", ' class="x"', ' title="a &amp; b &lt;cures MS&gt;"']))
            if tag == "a":
                attrs += ' href="/cures-ms?x=1&amp;y=2"'
            out.append(f"<{tag}{attrs}>")
            open_tags.append(tag)
        elif open_tags and draw(st.integers(0, 4)) == 0:
            out.append(f"</{open_tags.pop()}>")
        if ch == " ":
            out.append(draw(st.sampled_from(SPACES)))
        elif ch == "&":
            out.append("&amp;")
        else:
            out.append(draw(_char(ch)))
    out.extend(f"</{t}>" for t in reversed(open_tags))
    return "".join(out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_wrapped_claim_is_found_and_mapped(client, data):
    sentence, category, claim = data.draw(st.sampled_from(CLAIMS))
    before = data.draw(st.sampled_from(["", "Welcome &amp; hello.", "<script>var cure = 1;</script>"]))
    container = data.draw(st.sampled_from(["p", "div", "li", "td", "section"]))
    body = data.draw(_markup(sentence))
    html = f"<{container}>{before} {body}</{container}>"

    result = _check_html(client, html)
    found = [f for f in result["findings"] if f["category"] == category]
    assert found, (html, result["text"])
    f = found[0]
    assert f["text"] == claim
    assert result["text"][f["start"] : f["end"]] == claim
    _assert_mapped(html, f)
    # the span starts and ends on the claim's own characters, not on surrounding markup
    span = html[f["html_start"] : f["html_end"]]
    assert not span.startswith("<") and not span.endswith(">")


# --- fuzz: nothing a client sends gives a 500 -------------------------------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
_keys = st.sampled_from(
    ["text", "html", "segments", "documents", "id", "block", "categories", "exclude_categories",
     "min_severity", "include_all", "include_text"]
)
_bodies = st.dictionaries(_keys, _json_values | st.lists(st.dictionaries(_keys, _json_values, max_size=3), max_size=3), max_size=4)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_bodies | _json_values, path=st.sampled_from(["/v1/check", "/v1/check/batch"]))
def test_fuzz_json_bodies_never_500(client, body, path):
    r = client.post(path, content=json.dumps(body), headers={"content-type": "application/json"})
    assert r.status_code in (200, 400, 413, 422), r.text
    assert r.headers["content-type"].startswith("application/json")
    if r.status_code != 200:
        assert set(r.json()["error"]) >= {"code", "message"}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(max_size=200), path=st.sampled_from(["/v1/check", "/v1/check/batch"]))
def test_fuzz_raw_bytes_never_500(client, raw, path):
    r = client.post(path, content=raw, headers={"content-type": "application/json"})
    assert r.status_code in (200, 400, 422), r.text
    assert "error" in r.json() or r.status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html=st.text(alphabet=st.sampled_from(list("<>/&;#x0123 abpdivFDA-approved\"'=!-\n")), max_size=120))
def test_fuzz_html_never_500(client, html):
    r = client.post("/v1/check", json={"html": html})
    assert r.status_code in (200, 422), r.text
