"""One bad post never stops a crawl; what a hostile server sends is capped; endings are honest."""
from __future__ import annotations

import collections
import os
import stat

import pytest
from crawl_helpers import assert_files_match_names, crawl, fast_options, image_files

from ganime_gui.core.crawl import CrawlQuery
from ganime_gui.core.crawl.client import HttpClient, ResponseTooLarge
from ganime_gui.core.crawl.politeness import Politeness

POSTS = 60


def _posts_by_state(project) -> dict[int, tuple[str, str | None]]:
    with project.open_catalog() as cat:
        rows = cat.db.query("SELECT post_id, state, error FROM posts")
    return {r["post_id"]: (r["state"], r["error"]) for r in rows}


def _file_requests(booru) -> collections.Counter:
    return collections.Counter(t.split("?")[0] for t in booru.stats.paths("/images/"))


@pytest.mark.parametrize("fault, words", [
    ("bomb", "decompression bomb"),
    ("not_image", "not an image"),
    ("file_url", "not an http or https address"),
    ("redirect_file", "not an http or https address"),
    ("redirect_loop", "redirects in a loop"),
])
def test_one_bad_post_fails_alone_and_the_crawl_goes_on(fakebooru, project, fault, words):
    booru = fakebooru("safebooru", posts=POSTS, seed=4, faults=f"{fault}=0.15:seed=2")
    bad = {p.id for p in booru.dataset.posts if booru.faults.chosen(fault, p.id)}
    assert 3 <= len(bad) < POSTS
    out = crawl(project, booru, options=fast_options(page_size=25))
    assert out.state == "done", out.reason
    assert (out.stats.downloaded, out.stats.failed) == (POSTS - len(bad), len(bad))
    states = _posts_by_state(project)
    for post_id in bad:
        state, error = states[post_id]
        assert state == "failed" and words in error, (post_id, error)
        assert "\n" not in error and "Traceback" not in error
    assert all(states[p.id][0] == "downloaded" for p in booru.dataset.posts if p.id not in bad)
    # Every good file fetched exactly once; a redirect loop is given up at once, not retried.
    assert max(_file_requests(booru).values()) == 1
    assert booru.stats["file"] <= POSTS + len(bad) * 6
    assert_files_match_names(project)
    # A resume tries the failed posts again, a bounded number of times, and never crashes.
    for round_ in range(3):
        booru.stats.reset()
        lines = []
        again = crawl(project, booru, options=fast_options(page_size=25), resume_job=out.job_id,
                      progress=lambda d, t, m="", event=None, **kw: lines.extend(event.lines))
        assert again.state == "done" and again.stats.failed == len(bad)
        assert again.stats.downloaded == POSTS - len(bad)
        assert booru.stats["api"] == 0                      # nothing listed again
        retried = any(f"Trying the {len(bad)} posts that failed" in line for line in lines)
        assert retried == (round_ < 2), (round_, lines)
        assert booru.stats["file"] <= (len(bad) * 6 if retried else 0)


def test_exact_reposts_download_each_file_once(fakebooru, project):
    booru = fakebooru("safebooru", posts=POSTS, seed=5, faults="repost=0.3:seed=1")
    md5s = {booru.dataset.md5(p) for p in booru.dataset.posts}
    assert len(md5s) < POSTS - 5
    out = crawl(project, booru, options=fast_options(page_size=30, concurrency=4))
    assert out.state == "done", out.reason
    assert out.stats.downloaded == len(md5s) and out.stats.had == POSTS - len(md5s)
    assert len(image_files(project)) == len(md5s)
    states = _posts_by_state(project)
    assert all(state in ("downloaded", "duplicate") for state, _ in states.values())
    with project.open_catalog() as cat:
        unlinked = cat.db.scalar("SELECT COUNT(*) FROM posts WHERE file_id IS NULL")
    assert unlinked == 0


def _failing_first_copies(booru) -> list[tuple]:
    """(first, repost) pairs where the repost's file never matches its md5 but the first copy
    (named by its own legacy name, so its own URL) serves good bytes. Listing goes newest
    first, so the repost's download starts first and the older post waits on it."""
    legacy = [p for p in booru.dataset.posts if p.legacy_name]
    return [(a, b) for a, b in zip(legacy, legacy[1:])
            if b.index == a.index + 1 and booru.faults.chosen("repost", b.id)
            and booru.faults.bad_md5(b.id) and not booru.faults.bad_md5(a.id)
            and not booru.faults.chosen("repost", a.id)]


def test_a_repost_waiting_on_a_failed_download_fetches_its_own_file(fakebooru, project):
    booru = fakebooru("safebooru", posts=POSTS, seed=5)
    for seed in range(1, 30):
        booru.set_faults(f"repost=0.5,bad_md5=0.5,seed={seed}")
        pairs = _failing_first_copies(booru)
        if pairs:
            break
    assert pairs
    out = crawl(project, booru, options=fast_options(page_size=60, concurrency=4))
    assert out.state == "done", out.reason
    states = _posts_by_state(project)
    for first, repost in pairs:
        assert states[repost.id][0] == "failed"
        assert states[first.id][0] == "downloaded", states[first.id]


def test_list_pages_that_are_huge_endless_or_deep_are_named_and_survived(fakebooru, project):
    # Each fault hits the first API page (the count asks for it first, as XML); safebooru's HTML
    # list pages carry on.
    for spec, words in (("oversized=0:mb=2", "MiB"), ("endless=0", "MiB"),
                        ("deep_json=0:times=2", "nested too deeply")):
        booru = fakebooru("safebooru", posts=30, seed=7, faults=spec)
        lines = []
        out = crawl(project, booru, options=fast_options(max_body_bytes=1 << 20),
                    progress=lambda d, t, m="", event=None, **kw: lines.extend(event.lines if event else ()))
        assert out.state == "done", (spec, out.reason)
        assert out.stats.downloaded + out.stats.had == 30
        assert any(words in line for line in lines), (spec, lines)


def test_the_client_caps_an_endless_answer(fakebooru):
    booru = fakebooru("safebooru", posts=5, faults="endless=0:times=9")
    client = HttpClient(Politeness(0), max_body_bytes=1 << 20)
    with pytest.raises(ResponseTooLarge):
        client.get(f"{booru.base_url}/index.php?page=dapi&s=post&q=index&json=1")


def test_pages_that_stay_empty_end_incomplete_and_resume_tries_again(fakebooru, project):
    booru = fakebooru("safebooru", posts=90, seed=8, faults="empty_page=1:times=99")
    out = crawl(project, booru, options=fast_options(page_size=30))
    assert out.state == "incomplete" and out.exit_code == 4
    assert "90" in out.reason and "empty" in out.reason and "Done" not in out.reason
    assert out.stats.downloaded == 30
    booru.set_faults(None)
    again = crawl(project, booru, options=fast_options(page_size=30))   # the same crawl resumes
    assert again.job_id == out.job_id and again.state == "done", again.reason
    assert again.stats.downloaded == 90


def test_a_tag_with_no_posts_says_so_and_suggests_close_ones(fakebooru, project):
    booru = fakebooru("safebooru", posts=40, seed=1)
    out = crawl(project, booru, query=CrawlQuery(tags=["full_bod"]))
    assert out.state == "done"
    assert "no posts for" in out.reason and "full_body" in out.reason


def test_files_get_the_umask_mode(fakebooru, project):
    booru = fakebooru("safebooru", posts=5)
    old = os.umask(0o022)
    try:
        crawl(project, booru)
    finally:
        os.umask(old)
    modes = {stat.S_IMODE(p.stat().st_mode) for p in image_files(project)}
    assert modes == {0o644}
