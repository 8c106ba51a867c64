"""POST /v1/check/batch: a page's text nodes (segments) and independent documents."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from checker.pipeline import rules_checker
from api.settings import Settings

CURE = "Our stem cell therapy cures multiple sclerosis."


def _utf16_slice(text: str, start: int, end: int) -> str:
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


def _segments(client, segments, **options):
    r = client.post("/v1/check/batch", json={"segments": segments, **options})
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["mode"] == "segments"
    return data


def test_claim_over_three_text_nodes_gives_three_pieces(client):
    # an emoji (two UTF-16 units) and a combining-free accented letter before the claim
    segments = [
        {"id": "n1", "block": "p1", "text": "😀 Café news: our stem cell therapy cu"},
        {"id": "n2", "block": "p1", "text": "res multiple scl"},
        {"id": "n3", "block": "p1", "text": "erosis. Call us."},
    ]
    data = _segments(client, segments)
    (f,) = [f for f in data["findings"] if f["category"] == "cure-claim"]
    assert f["block"] == "p1"
    assert [p["segment_id"] for p in f["pieces"]] == ["n1", "n2", "n3"]
    by_id = {s["id"]: s["text"] for s in segments}
    joined = "".join(_utf16_slice(by_id[p["segment_id"]], p["start_utf16"], p["end_utf16"]) for p in f["pieces"])
    assert joined == "cures multiple sclerosis" == f["text"]
    # the emoji shifts UTF-16 offsets in n1 by one unit relative to code points
    first = f["pieces"][0]
    assert first["start_utf16"] == first["start"] + 1
    assert by_id["n1"][first["start"] : first["end"]] == "cu"
    # finding offsets index the block's joined text
    block_text = "".join(s["text"] for s in segments)
    assert block_text[f["start"] : f["end"]] == f["text"]
    assert _utf16_slice(block_text, f["start_utf16"], f["end_utf16"]) == f["text"]
    assert data["blocks"] == [
        {"block": "p1", "segment_ids": ["n1", "n2", "n3"], "summary": data["blocks"][0]["summary"]}
    ]
    assert data["summary"]["warnings"] == len(data["findings"])


def test_pieces_skip_segments_the_span_only_touches(client):
    segments = [
        {"id": "a", "block": "b", "text": "Our stem cell therapy "},
        {"id": "empty", "block": "b", "text": ""},
        {"id": "c", "block": "b", "text": "cures"},
        {"id": "d", "block": "b", "text": " "},
        {"id": "e", "block": "b", "text": "MS"},
        {"id": "f", "block": "b", "text": "."},
    ]
    (f,) = _segments(client, segments)["findings"]
    assert f["text"] == "cures MS"
    assert [(p["segment_id"], p["start_utf16"], p["end_utf16"]) for p in f["pieces"]] == [
        ("c", 0, 5), ("d", 0, 1), ("e", 0, 2)
    ]


def test_different_blocks_never_run_together(client):
    segments = [
        {"id": "n1", "block": "p1", "text": "Our stem cell therapy cures "},
        {"id": "n2", "block": "p2", "text": "multiple sclerosis."},
    ]
    data = _segments(client, segments)
    assert data["findings"] == [] and data["blocks"] == []
    assert data["summary"]["verdict"] == "clean"
    # the same nodes in one block form the sentence
    same = _segments(client, [dict(s, block="p1") for s in segments])
    assert [f["text"] for f in same["findings"]] == ["cures multiple sclerosis"]


def test_non_contiguous_block_joined_in_order_of_appearance(client):
    segments = [
        {"id": "n1", "block": "main", "text": "Our stem cell therapy "},
        {"id": "ad", "block": "aside", "text": "Book now."},
        {"id": "n2", "block": "main", "text": "cures MS."},
    ]
    data = _segments(client, segments)
    by_block = {f["block"]: f for f in data["findings"]}
    assert by_block["main"]["text"] == "cures MS"
    assert [p["segment_id"] for p in by_block["main"]["pieces"]] == ["n2"]
    assert by_block["aside"]["category"] == "marketing-red-flag"
    assert [b["block"] for b in data["blocks"]] == ["main", "aside"]
    assert data["blocks"][0]["segment_ids"] == ["n1", "n2"]


def test_segments_without_block_stand_alone(client):
    segments = [
        {"id": "x", "text": "It is FDA-approved."},
        {"id": "y", "text": "The procedure has no side effects."},
        {"id": "z", "block": "x", "text": "Nothing here."},  # a block id equal to a segment id does not clash
    ]
    data = _segments(client, segments)
    assert [(f["block"], f["pieces"][0]["segment_id"], f["text"]) for f in data["findings"]] == [
        (None, "x", "FDA-approved"), (None, "y", "no side effects")
    ]
    assert data["summary"]["warnings"] == 2 and data["summary"]["sentences"] == 3


def test_segment_options_apply(client):
    segments = [{"id": "a", "block": "b", "text": "It is FDA-approved. Book now."}]
    data = _segments(client, segments, categories=["fda-approval"])
    assert [f["category"] for f in data["findings"]] == ["fda-approval"]
    assert data["blocks"][0]["summary"]["by_category"] == {"fda-approval": 1}
    data = _segments(client, segments, min_severity="critical")
    assert {f["severity"] for f in data["findings"]} == {"critical"}


def test_empty_segment_list(client):
    data = _segments(client, [])
    assert data["findings"] == [] and data["summary"]["sentences"] == 0


def test_documents_each_get_their_own_report(client):
    html = "<p>It is <span>FDA</span>-approved.</p>"
    r = client.post(
        "/v1/check/batch",
        json={"documents": [
            {"id": "home", "html": html},
            {"id": "faq", "text": "The procedure has no side effects."},
            {"id": "about", "text": "We are a clinic in Berlin."},
        ]},
    )
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["mode"] == "documents"
    home, faq, about = data["documents"]
    assert (home["id"], home["input"], faq["input"]) == ("home", "html", "text")
    (f,) = home["findings"]
    assert html[f["html_start"] : f["html_end"]] == "FDA</span>-approved"
    assert [f["text"] for f in faq["findings"]] == ["no side effects"]
    assert faq["findings"][0]["html_start"] is None
    assert about["findings"] == [] and about["summary"]["verdict"] == "clean"
    assert data["summary"]["warnings"] == 2 and data["summary"]["sentences"] == 3


@pytest.mark.parametrize(
    "body",
    [
        {},  # neither
        {"segments": [], "documents": []},  # both
        {"segments": [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}]},  # duplicate ids
        {"documents": [{"id": "a", "text": "x"}, {"id": "a", "html": "y"}]},
        {"segments": [{"id": "a"}]},  # no text
        {"segments": [{"id": "", "text": "x"}]},  # empty id
        {"segments": [{"id": 1, "text": "x"}]},  # wrong type
        {"segments": [{"id": "a", "text": "x", "colour": "red"}]},  # unknown field
        {"segments": {"id": "a", "text": "x"}},  # not a list
        {"documents": [{"id": "a", "text": "x", "html": "y"}]},  # both in a document
        {"documents": [{"id": "a"}]},  # neither in a document
    ],
)
def test_batch_validation_errors_are_422(client, body):
    r = client.post("/v1/check/batch", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "validation_error"


def test_too_many_segments_and_documents_are_413():
    with TestClient(create_app(Settings(rate_limit_per_minute=0, max_segments=3, max_documents=2), checker_factory=rules_checker)) as c:
        ok = c.post("/v1/check/batch", json={"segments": [{"id": str(i), "text": "x"} for i in range(3)]})
        assert ok.status_code == 200
        r = c.post("/v1/check/batch", json={"segments": [{"id": str(i), "text": "x"} for i in range(4)]})
        assert r.status_code == 413 and r.json()["error"]["code"] == "too_many_segments"
        assert "3" in r.json()["error"]["message"]
        r = c.post("/v1/check/batch", json={"documents": [{"id": str(i), "text": "x"} for i in range(3)]})
        assert r.status_code == 413 and r.json()["error"]["code"] == "too_many_documents"


def test_deep_html_document_is_422(client):
    r = client.post("/v1/check/batch", json={"documents": [{"id": "deep", "html": "<div>" * 600 + "x"}]})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "invalid_html" and "deep" in err["message"]


def test_the_page_summary_counts_sentences_of_different_blocks_apart(client):
    # Each block's claim is its first sentence (sentence_start 0 in both): the page holds
    # two sentences with warnings, not one, in its score and verdict.
    one = _segments(client, [{"id": "a", "block": "p1", "text": CURE}])
    two = _segments(client, [{"id": "a", "block": "p1", "text": CURE}, {"id": "b", "block": "p2", "text": CURE}])
    assert {f["sentence_start"] for f in two["findings"]} == {0}
    assert two["summary"]["score"] == pytest.approx(2 * one["summary"]["score"])
    docs = client.post("/v1/check/batch", json={"documents": [{"id": "x", "text": CURE}, {"id": "y", "text": CURE}]}).json()
    assert docs["summary"]["score"] == pytest.approx(2 * one["summary"]["score"])
    assert two["summary"]["verdict"] == docs["summary"]["verdict"] == "seriously misleading"
