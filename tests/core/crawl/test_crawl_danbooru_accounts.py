"""Danbooru with an API key: Basic auth, the Gold tag limit, the Member fallback on 422, a
refused key, takedowns (451) and the 503 in Danbooru's shape, against the fake booru."""
from __future__ import annotations

import base64
import json
import logging

import pytest
from crawl_helpers import crawl, fast_options

from ganime_gui.core.boorus import BooruError, Credentials, make_adapter
from ganime_gui.core.boorus.danbooru import DanbooruAdapter
from ganime_gui.core.crawl import CrawlQuery
from ganime_gui.core.crawl.query import plan_for_site
from ganime_gui.fakebooru.query import search

KEY = "s3cret-Key-9f8e7d"
FOUR = ["solo", "1girl", "standing", "full_body"]
TAG_LIMIT_422 = json.dumps({"success": False, "error": "PostQuery::TagLimitError",
                            "message": "You cannot search for more than 2 tags at a time.",
                            "backtrace": []}).encode()


def _ids(project, state="downloaded") -> set[int]:
    with project.open_catalog() as cat:
        return {r["post_id"] for r in cat.db.query("SELECT post_id FROM posts WHERE state = ?", (state,))}


def _tags_sent(booru) -> list[list[str]]:
    from urllib.parse import parse_qs, urlsplit
    return [parse_qs(urlsplit(p).query).get("tags", [""])[0].split()
            for p in booru.stats.paths() if p.startswith(("/posts.json", "/counts/posts.json"))]


# -- the adapter on its own ----------------------------------------------------------------------

def test_key_goes_as_basic_auth_never_in_the_url():
    adapter = make_adapter("danbooru", "http://127.0.0.1:1", Credentials("alice", KEY))
    for request in (adapter.list_request(FOUR, None, 100), adapter.count_request(FOUR)):
        assert (request.headers["Authorization"]
                == "Basic " + base64.b64encode(f"alice:{KEY}".encode()).decode())
        assert KEY not in json.dumps(request.params) and "alice" not in json.dumps(request.params)
    assert make_adapter("danbooru").list_request(FOUR[:2], None, 100).headers == {}


def test_tag_limit_depends_on_the_key():
    q = CrawlQuery(tags=FOUR, exclude=["chibi"])
    anonymous = plan_for_site(q, make_adapter("danbooru"))
    assert anonymous.server_tags == FOUR[:2] and anonymous.client_tags == FOUR[2:]
    gold = plan_for_site(q, make_adapter("danbooru", credentials=Credentials("alice", KEY)))
    assert gold.server_tags == [*FOUR, "-chibi"] and not gold.client_tags and not gold.client_exclude


def test_422_with_a_key_falls_back_to_two_tags_and_a_post_filter():
    adapter = make_adapter("danbooru", "http://127.0.0.1:1", Credentials("alice", KEY))
    adapter.list_request([*FOUR, "-chibi"], None, 100)
    page = adapter.parse_list(422, {}, TAG_LIMIT_422)
    assert page.raw_count == 0 and adapter.member_fallback and adapter.server_tag_limit == 2
    request = adapter.list_request([*FOUR, "-chibi"], 500, 100)
    assert request.params["tags"] == "solo 1girl" and request.params["page"] == "b500"

    def post(i, tags):
        return {"id": i, "md5": f"{i:032x}", "file_url": f"http://x/{i}.png", "tag_string": tags}
    body = json.dumps([post(9, "solo 1girl standing full_body"), post(8, "solo 1girl standing"),
                       post(7, "solo 1girl standing full_body chibi"), post(6, "solo 1girl full_body")])
    page = adapter.parse_list(200, {}, body.encode())
    assert [p.id for p in page.posts] == [9]
    assert page.raw_count == 4 and page.skipped == 3 and page.min_id == 6
    # a second 422 (the fallback's own 2 tags refused) is an error, not another fallback
    with pytest.raises(BooruError):
        adapter.parse_list(422, {}, TAG_LIMIT_422)


def test_422_without_a_key_or_with_two_tags_is_still_an_error():
    anonymous = make_adapter("danbooru")
    anonymous.list_request(FOUR[:2], None, 100)
    with pytest.raises(BooruError, match="more than 2 tags"):
        anonymous.parse_list(422, {}, TAG_LIMIT_422)


def test_451_listing_is_a_clear_error_and_401_says_the_key_was_refused():
    adapter = make_adapter("danbooru", credentials=Credentials("alice", KEY))
    with pytest.raises(BooruError, match="takedown"):
        adapter.parse_list(451, {}, b'{"success":false,"message":"This page has been removed"}')
    with pytest.raises(BooruError, match="refused the login name and API key") as info:
        adapter.parse_list(401, {}, b'{"success":false,"error":"SessionLoader::AuthenticationFailure",'
                                    b'"message":"Invalid API key","backtrace":[]}')
    assert KEY not in str(info.value)


# -- crawls of the fake ----------------------------------------------------------------------------

def test_gold_key_sends_all_four_tags_and_logs_no_key(fakebooru, project, caplog):
    booru = fakebooru("danbooru", posts=200, seed=2, api_user="alice", api_key=KEY)
    caplog.set_level(logging.DEBUG)
    out = crawl(project, booru, query=CrawlQuery(tags=FOUR),
                credentials=Credentials("alice", KEY), options=fast_options(page_size=30))
    assert out.state == "done", out.reason
    expected = {p.id for p in search(" ".join(FOUR), booru.dataset)}
    assert expected and _ids(project) == expected and out.stats.filtered == 0
    sent = _tags_sent(booru)
    assert len(sent) > 2 and all(sorted(t) == sorted(FOUR) for t in sent)
    token = base64.b64encode(f"alice:{KEY}".encode()).decode()
    assert KEY not in caplog.text and token not in caplog.text
    assert not any("api_key" in p or KEY in p for p in booru.stats.paths())


def test_wrong_key_ends_blocked_saying_it_was_refused(fakebooru, project):
    booru = fakebooru("danbooru", posts=20, api_user="alice", api_key=KEY)
    out = crawl(project, booru, query=CrawlQuery(tags=["solo"]), credentials=Credentials("alice", "wrong"))
    assert out.state == "blocked" and out.exit_code == 3
    assert out.reason.startswith("Blocked by a missing or refused API key")
    assert "refused the login name and API key" in out.reason and "Invalid API key" in out.reason
    assert "wrong" not in out.reason
    assert booru.stats.by_status[401] >= 1 and out.stats.downloaded == 0


def test_member_key_falls_back_at_the_count(fakebooru, project):
    booru = fakebooru("danbooru", posts=200, seed=2, api_user="m", api_key=KEY, api_level="member")
    q = CrawlQuery(tags=FOUR, exclude=["chibi"])
    out = crawl(project, booru, query=q, credentials=Credentials("m", KEY),
                options=fast_options(page_size=30))
    assert out.state == "done", out.reason
    expected = {p.id for p in search(" ".join(FOUR) + " -chibi", booru.dataset)}
    assert expected and _ids(project) == expected and out.stats.filtered > 0
    sent = _tags_sent(booru)
    assert len(sent[0]) == 5 and booru.stats.by_status[422] == 1   # the count, refused once
    assert all(t == FOUR[:2] for t in sent[1:])


def test_member_key_falls_back_at_the_listing(fakebooru, project, monkeypatch):
    # No count request (a resumed crawl has its total already): the first list page gets the 422.
    monkeypatch.setattr(DanbooruAdapter, "count_request", lambda self, tags: None)
    booru = fakebooru("danbooru", posts=120, seed=3, api_user="m", api_key=KEY, api_level="member")
    out = crawl(project, booru, query=CrawlQuery(tags=FOUR), credentials=Credentials("m", KEY),
                options=fast_options(page_size=50))
    assert out.state == "done", out.reason
    assert _ids(project) == {p.id for p in search(" ".join(FOUR), booru.dataset)}
    assert booru.stats.by_status[422] == 1


def test_taken_down_posts_are_skipped_with_a_note(fakebooru, project):
    booru = fakebooru("danbooru", posts=40, seed=4, faults="takedown=0.25:seed=1")
    gone = {p.id for p in booru.dataset.posts if booru.faults.takedown(p.id)}
    out = crawl(project, booru)
    assert gone and out.state == "done", out.reason
    assert _ids(project) == {p.id for p in booru.dataset.posts} - gone
    assert _ids(project, "failed") == gone and out.stats.failed == len(gone)
    with project.open_catalog() as cat:
        errors = [r["error"] for r in cat.db.query("SELECT error FROM posts WHERE state = 'failed'")]
    assert all("takedown" in e and "451" in e for e in errors)


def test_danbooru_503_is_retried(fakebooru, project):
    booru = fakebooru("danbooru", posts=30, faults="503=2")
    out = crawl(project, booru)
    assert out.state == "done" and out.stats.downloaded == 30
    assert booru.stats.by_status[503] >= 1
