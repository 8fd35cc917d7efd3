"""The crawler's small parts: query planning and filters, variant choice, pacing, sniffing."""
from __future__ import annotations

import time

from ganime_gui.core.boorus import make_adapter
from ganime_gui.core.boorus.base import Post, Variant
from ganime_gui.core.crawl.client import redact
from ganime_gui.core.crawl.download import pick_urls, sniff_ext
from ganime_gui.core.crawl.politeness import HostLimiter, Politeness
from ganime_gui.core.crawl.query import CrawlQuery, filter_reason, plan_for_site


def _post(**kw) -> Post:
    values = dict(site="s", id=1, md5="a" * 32, tags=("1girl", "solo"), rating="general",
                  width=600, height=1200, file_url="http://h/images/1/x.png", file_ext="png")
    values.update(kw)
    return Post(**values)


def test_query_splits_dash_tags_into_exclusions():
    q = CrawlQuery(tags="full_body solo -chibi", exclude=["comic"])
    assert q.tags == ["full_body", "solo"] and q.exclude == ["chibi", "comic"]
    assert CrawlQuery.from_json(q.to_json()) == q


def test_plan_respects_the_site_tag_limit():
    q = CrawlQuery(tags=["full_body", "solo", "standing"], exclude=["chibi"], blacklist=["comic"])
    dan = plan_for_site(q, make_adapter("danbooru"))
    assert dan.server_tags == ["full_body", "solo"]
    assert dan.client_tags == ["standing"] and dan.client_exclude == ["chibi", "comic"]
    moe = plan_for_site(CrawlQuery(tags=list("abcdefg")), make_adapter("moebooru"))
    assert moe.server_tags == list("abcde") and moe.client_tags == ["f", "g"]  # 6 minus the cursor
    safe = plan_for_site(q, make_adapter("safebooru"))
    assert safe.server_tags == ["full_body", "solo", "standing", "-chibi"]
    assert safe.client_tags == [] and safe.client_exclude == ["comic"]


def test_filter_reasons():
    q = CrawlQuery(tags=["1girl", "solo", "standing"], blacklist=["chibi"], ratings=["general"],
                   min_width=500, min_height=1000, min_aspect=0.3, max_aspect=0.8,
                   file_types=["png"])
    plan = plan_for_site(q, make_adapter("danbooru"))   # 'standing' is checked here, not sent
    ok = ("1girl", "solo", "standing")
    assert filter_reason(_post(tags=ok), q, plan) is None
    assert "lacks tag standing" in filter_reason(_post(), q, plan)
    assert "chibi" in filter_reason(_post(tags=ok + ("chibi",)), q, plan)
    assert "rating" in filter_reason(_post(tags=ok, rating="sensitive"), q, plan)
    assert "too small" in filter_reason(_post(tags=ok, width=400), q, plan)
    assert "aspect" in filter_reason(_post(tags=ok, width=1000, height=1100), q, plan)
    assert "file type" in filter_reason(_post(tags=ok, file_ext="gif"), q, plan)


def test_sample_choice_is_the_smallest_big_enough_variant():
    post = _post(width=2000, height=3000, sample_url="http://h/s.jpg", sample_width=850,
                 sample_height=1275, extra_variants=(Variant("360x360", "http://h/360.jpg", 240, 360),
                                                     Variant("180x180", "http://h/180.jpg", 120, 180)))
    assert pick_urls(post, "sample", 256)[0] == ("http://h/360.jpg", False)
    assert pick_urls(post, "sample", 400)[0] == ("http://h/s.jpg", False)
    assert pick_urls(post, "sample", 5000) == [(post.file_url, True)]   # none big enough
    assert pick_urls(post, "original", 256) == [(post.file_url, True)]
    # The original follows the sample, so a missing sample (404) still gets the file.
    assert pick_urls(post, "sample", 256)[-1] == (post.file_url, True)


def test_sniff_ext():
    assert sniff_ext(b"\xff\xd8\xff\xe0") == "jpg" and sniff_ext(b"\x89PNG\r\n\x1a\n") == "png"
    assert sniff_ext(b"GIF89a") == "gif" and sniff_ext(b"RIFF1234WEBPVP8 ") == "webp"
    assert sniff_ext(b"<html>") is None


def test_host_pacing():
    limiter = HostLimiter(0.1)
    waits = [limiter.reserve() for _ in range(5)]
    assert waits[0] == 0 and 0.38 <= waits[-1] <= 0.41
    limiter.hold_off(2.0)
    assert limiter.reserve() >= 1.9
    polite = Politeness(0.05)
    t0 = time.monotonic()
    for _ in range(4):
        polite.wait_turn("http://a/x")
    polite.wait_turn("http://b/x")       # another host has its own budget
    assert 0.14 <= time.monotonic() - t0 < 1.5  # upper bound only catches waiting per host twice


def test_redact_hides_keys():
    assert redact({"api_key": "s3cret", "user_id": "9", "tags": "solo"}) == \
        {"api_key": "***", "user_id": "***", "tags": "solo"}
