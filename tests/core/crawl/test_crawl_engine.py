"""End-to-end crawls of the fake booru: every profile, every fault, caps, limits, dedupe."""
from __future__ import annotations

import os
import threading

import pytest
from crawl_helpers import assert_files_match_names, crawl, fast_options, image_files

from ganime_gui.core.boorus import Credentials
from ganime_gui.core.crawl import CrawlQuery, run_crawl
from ganime_gui.core.crawl.events import CrawlReport


def _downloaded_ids(project, site_key=None) -> set[int]:
    with project.open_catalog() as cat:
        rows = cat.db.query("SELECT post_id FROM posts WHERE state = 'downloaded'")
    return {r["post_id"] for r in rows}


@pytest.mark.parametrize("profile", ["safebooru", "gelbooru", "danbooru", "moebooru"])
def test_every_profile_crawls_everything(fakebooru, project, profile):
    booru = fakebooru(profile, posts=120, seed=3)
    creds = Credentials("1", "key") if profile == "gelbooru" else None
    out = crawl(project, booru, credentials=creds, options=fast_options(page_size=50))
    assert out.state == "done", out.reason
    assert out.stats.downloaded == 120 and out.stats.failed == 0
    assert len(image_files(project)) == 120
    assert_files_match_names(project)
    assert out.reason.startswith("Done: 120 of 120 posts listed")
    with project.open_catalog() as cat:
        row = cat.db.one("SELECT * FROM posts WHERE state = 'downloaded' LIMIT 1")
        assert row["md5"] and row["tags"] and row["rating"] and row["width"] and row["file_url"]
        assert cat.tags_of_file(row["file_id"]) == sorted(set(row["tags"].split()))


def test_keyset_paging_passes_the_deep_offset_cap(fakebooru, project):
    # The cap lowered to 100 posts deep, pages of 40: offset paging would stop after 3 pages.
    booru = fakebooru("safebooru", posts=300, deep_limit=100, max_limit=40)
    out = crawl(project, booru, options=fast_options(page_size=1000))
    assert out.state == "done" and out.stats.downloaded == 300
    assert all("pid=0" in p for p in booru.stats.paths("/index.php?page=dapi"))


def test_keyset_paging_passes_danbooru_page_cap(fakebooru, project):
    booru = fakebooru("danbooru", posts=250, deep_limit=2, max_limit=50)
    out = crawl(project, booru)
    assert out.state == "done" and out.stats.downloaded == 250
    assert any("page=b" in p for p in booru.stats.paths("/posts.json"))


@pytest.mark.parametrize("faults", ["429=2:retry_after=0", "503=2", "drop=9", "slow=5:ms=300",
                                    "empty_page=0", "directory_string,empty_body",
                                    "truncate=0.3,bad_md5=0.1"])
def test_faults_are_survived(fakebooru, project, faults):
    booru = fakebooru("safebooru", posts=100, faults=faults)
    out = crawl(project, booru, options=fast_options(page_size=30))
    assert out.state == "done", out.reason
    if "bad_md5" in faults:
        # A file that never matches its md5 fails after a few tries; every other one arrives.
        assert out.stats.failed > 0 and out.stats.downloaded + out.stats.failed == 100
    else:
        assert out.stats.downloaded == 100, out.reason
    assert len(image_files(project)) == out.stats.downloaded
    assert_files_match_names(project)


def test_truncated_and_bad_md5_downloads_are_retried_then_rejected(fakebooru, project):
    booru = fakebooru("safebooru", posts=60, faults="truncate=1:times=1,bad_md5=0.2,seed=4")
    out = crawl(project, booru)
    bad = {p.id for p in booru.dataset.posts if booru.faults.bad_md5(p.id)}
    assert bad and out.stats.failed == len(bad) and out.stats.downloaded == 60 - len(bad)
    assert booru.stats["file"] >= 60 * 2  # every file was cut once, then fetched again
    with project.open_catalog() as cat:
        errors = [r["error"] for r in cat.db.query("SELECT error FROM posts WHERE state = 'failed'")]
    assert all("md5" in e for e in errors)
    assert_files_match_names(project)


def test_hostile_names_are_contained(fakebooru, project, tmp_path):
    booru = fakebooru("safebooru", posts=60, faults="hostile_name=0.5")
    out = crawl(project, booru)
    assert out.state == "done" and out.stats.downloaded == 60
    assert_files_match_names(project)
    outside = [p for p in project.root.parent.rglob("*") if p.is_file()
               and project.root not in p.parents]
    assert outside == []
    assert {p.suffix for p in image_files(project)} <= {".jpg", ".png", ".gif"}


def test_challenge_ends_as_blocked_not_done(fakebooru, project):
    booru = fakebooru("safebooru", posts=200, faults="challenge=3")
    out = crawl(project, booru, options=fast_options(page_size=50))
    assert out.state == "blocked" and out.exit_code != 0
    assert out.reason.startswith("Blocked by a challenge") and "Cloudflare" in out.reason
    with project.open_catalog() as cat:
        assert cat.crawl(out.job_id).state == "blocked"


def test_gelbooru_without_key_explains_what_is_missing(fakebooru, project):
    booru = fakebooru("gelbooru", posts=30)
    out = crawl(project, booru)
    assert out.state == "blocked" and out.stats.downloaded == 0
    assert "API key" in out.reason and "user id" in out.reason


def test_gelbooru_wrong_key_is_refused_and_key_never_logged(fakebooru, project, caplog):
    booru = fakebooru("gelbooru", posts=30, api_user="7", api_key="right")
    caplog.set_level("DEBUG")
    out = crawl(project, booru, credentials=Credentials("7", "wrong-secret"))
    assert out.state == "blocked" and "refused" in out.reason
    assert "wrong-secret" not in caplog.text and "wrong-secret" not in out.reason
    out = crawl(project, booru, credentials=Credentials("7", "right"))
    assert out.state == "done" and out.stats.downloaded == 30


def test_rate_limit_that_never_ends_is_blocked(fakebooru, project):
    booru = fakebooru("safebooru", posts=50, faults="429=1:retry_after=0")
    out = crawl(project, booru)
    assert out.state == "blocked" and out.reason.startswith("Blocked by the rate limit")


def test_network_down_is_blocked(project):
    out = run_crawl(project, "safebooru", CrawlQuery(), base_url="http://127.0.0.1:9",
                    options=fast_options())
    assert out.state == "blocked" and out.reason.startswith("Blocked by the network")


def test_danbooru_tag_limit_goes_to_client_filter(fakebooru, project):
    booru = fakebooru("danbooru", posts=300, seed=2)
    q = CrawlQuery(tags=["solo", "1girl", "full_body"], exclude=["chibi"])
    out = crawl(project, booru, query=q)
    assert out.state == "done", out.reason
    from ganime_gui.fakebooru.query import search
    expected = {p.id for p in search("solo 1girl full_body -chibi", booru.dataset)}
    assert expected and _downloaded_ids(project) == expected
    assert all("full_body" not in p and "chibi" not in p for p in booru.stats.paths("/posts.json"))


def test_filters_and_blacklist(fakebooru, project):
    booru = fakebooru("safebooru", posts=200, seed=5)
    q = CrawlQuery(tags=["solo"], blacklist=["chibi", "multiple_girls"], ratings=["general"],
                   min_height=120, max_aspect=0.9, file_types=["png", "jpg"])
    out = crawl(project, booru, query=q)
    assert out.state == "done" and out.stats.filtered > 0
    with project.open_catalog() as cat:
        rows = cat.db.query("SELECT * FROM posts WHERE state = 'downloaded'")
    assert rows
    for r in rows:
        tags = r["tags"].split()
        assert "solo" in tags and "chibi" not in tags and "multiple_girls" not in tags
        assert r["rating"] == "general" and r["height"] >= 120 and r["width"] / r["height"] <= 0.9
    assert {p.suffix for p in image_files(project)} <= {".png", ".jpg"}


def test_limit_stops_at_the_count_and_resume_continues(fakebooru, project):
    booru = fakebooru("safebooru", posts=150)
    out = crawl(project, booru, query=CrawlQuery(limit=40), options=fast_options(page_size=100))
    assert out.state == "done" and out.stats.kept == 40 and "limit of 40" in out.reason
    assert len(image_files(project)) == 40


def test_sample_size_downloads_the_smallest_big_enough_variant(fakebooru, project):
    booru = fakebooru("safebooru", posts=40, min_height=900, max_height=1400)
    out = crawl(project, booru, query=CrawlQuery(size="sample", sample_min_px=256))
    assert out.state == "done" and out.stats.downloaded == 40
    assert booru.stats["sample"] > 0
    from PIL import Image
    sizes = [max(Image.open(p).size) for p in image_files(project)]
    assert min(sizes) >= 256 and max(sizes) < 1400


def test_md5_dedupe_across_runs_and_sites(fakebooru, project):
    first = fakebooru("safebooru", posts=80, seed=7)
    second = fakebooru("moebooru", posts=80, seed=7)  # same seed: the same pictures, other site
    out1 = crawl(project, first)
    requests_before = second.stats["file"]
    out2 = crawl(project, second)
    assert out1.stats.downloaded == 80
    assert out2.state == "done" and out2.stats.had == 80 and out2.stats.downloaded == 0
    assert second.stats["file"] == requests_before
    out3 = crawl(project, first)
    assert out3.stats.had == 80 and out3.stats.downloaded == 0
    assert len(image_files(project)) == 80


def test_stop_then_resume_gets_the_rest(fakebooru, project):
    booru = fakebooru("safebooru", posts=200)
    stop = threading.Event()

    def progress(done, total, message="", event=None, **extra):
        if isinstance(event, CrawlReport) and event.stats.downloaded >= 30:
            stop.set()

    out = crawl(project, booru, options=fast_options(page_size=50, concurrency=2),
                progress=progress, cancelled=stop.is_set)
    assert out.state == "stopped" and "Stopped by the user" in out.reason
    assert 30 <= out.stats.downloaded < 200
    pages_before = len(booru.stats.paths("/index.php?page=dapi&s=post"))
    out2 = crawl(project, booru, resume_job=out.job_id)
    assert out2.state == "done" and out2.job_id == out.job_id
    assert out2.stats.downloaded == 200 and len(image_files(project)) == 200
    # The resumed run asks for the pages it had not finished, not the first ones again.
    listed_after = booru.stats.paths("/index.php?page=dapi&s=post")[pages_before:]
    assert all("id%3A%3C" in p or "id:<" in p for p in listed_after if "json=1" in p)
    assert_files_match_names(project)


def test_html_fallback_when_the_api_is_broken(fakebooru, project, monkeypatch):
    booru = fakebooru("safebooru", posts=50)
    from ganime_gui.core.boorus import safebooru

    real = safebooru.SafebooruAdapter.list_request

    def api_answers_html(self, tags, before_id, limit):
        # Point the API request at a page that answers HTML, as a site with its API off would.
        req = real(self, tags, before_id, limit)
        return type(req)(req.url, {**req.params, "page": "post", "s": "view"})

    monkeypatch.setattr(safebooru.SafebooruAdapter, "list_request", api_answers_html)
    out = crawl(project, booru)
    assert out.state == "done", out.reason
    assert out.stats.downloaded == 50
    assert booru.stats["html"] > 1
    assert_files_match_names(project)


def test_api_requests_are_paced_while_downloads_run_side_by_side(fakebooru, project):
    import time
    booru = fakebooru("safebooru", posts=24, latency_ms=100)
    t0 = time.monotonic()
    out = crawl(project, booru, options=fast_options(interval_s=0.6, concurrency=4))
    elapsed = time.monotonic() - t0
    assert out.state == "done" and booru.stats["api"] == 2 and booru.stats["file"] == 24
    # The count and the page wait 0.6 s for each other; 24 files of 100 ms each take 2.4 s one
    # at a time, and about 0.6 s four at a time with no gap between them.
    assert elapsed >= 0.6
    assert elapsed < 0.6 + 0.2 + 1.8, elapsed


def test_stray_partial_files_are_cleaned(fakebooru, project):
    (project.images_dir / ".dl-abc.part").write_bytes(b"half")
    booru = fakebooru("safebooru", posts=5)
    crawl(project, booru)
    assert not any(p.name.endswith(".part") for p in project.images_dir.iterdir())
    assert os.listdir(project.images_dir)


@pytest.mark.parametrize("profile", ["safebooru", "gelbooru", "danbooru", "moebooru"])
def test_every_profile_survives_the_common_faults(fakebooru, project, profile):
    booru = fakebooru(profile, posts=90, seed=6,
                      faults="429=3:retry_after=0,503=4,drop=13,truncate=0.2,hostile_name=0.3,empty_body")
    creds = Credentials("1", "key") if profile == "gelbooru" else None
    out = crawl(project, booru, credentials=creds, options=fast_options(page_size=40))
    assert out.state == "done", out.reason
    assert out.stats.downloaded == 90 and len(image_files(project)) == 90
    assert_files_match_names(project)


def test_gelbooru_single_post_object(fakebooru, project):
    # 41 posts in pages of 40: the last page holds one post, sent as an object, not a list.
    booru = fakebooru("gelbooru", posts=41, faults="post_object")
    out = crawl(project, booru, credentials=Credentials("1", "k"), options=fast_options(page_size=40))
    assert out.state == "done" and out.stats.downloaded == 41


def test_retry_after_is_honoured(fakebooru, project):
    import time
    booru = fakebooru("safebooru", posts=10, faults="429=2:retry_after=1")
    t0 = time.monotonic()
    out = crawl(project, booru)
    assert out.state == "done" and out.stats.downloaded == 10
    assert time.monotonic() - t0 >= 1.0
    assert booru.stats.by_status[429] >= 1


def test_tool_user_agent_passes_a_browser_only_challenge(fakebooru, project):
    # Danbooru's Cloudflare challenges browser-like agents from non-browser clients; ours names
    # itself as a tool, so it goes through where a faked browser agent would be stopped.
    booru = fakebooru("danbooru", posts=30, faults="challenge=1:ua=browser")
    out = crawl(project, booru)
    assert out.state == "done" and out.stats.downloaded == 30
    import requests
    fake_browser = requests.get(f"{booru.base_url}/posts.json", headers={
        "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36"})
    assert fake_browser.status_code == 403
