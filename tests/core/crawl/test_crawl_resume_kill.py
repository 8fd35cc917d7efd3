"""``kill -9`` in the middle of a crawl, then a restart: no duplicate, no missing file, no finished
page listed again, no finished file fetched again. The crawl runs as the real command in a
subprocess; the fake booru runs here."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from urllib.parse import parse_qs, unquote, urlsplit

from crawl_helpers import assert_files_match_names, image_files

from ganime_gui.core.project import Project

POSTS = 160


def _crawl_command(project_dir, base_url, *extra) -> list[str]:
    return [sys.executable, "-m", "ganime_gui", "crawl", "--project", str(project_dir),
            "--site", "safebooru", "--base-url", base_url, "--delay", "0", "--concurrency", "3",
            "--quiet", *extra]


def _file_stems(paths) -> set[str]:
    return {unquote(urlsplit(p).path).rsplit("/", 1)[-1].rsplit(".", 1)[0] for p in paths}


def test_kill_9_mid_crawl_then_resume(fakebooru, tmp_path):
    booru = fakebooru("safebooru", posts=POSTS, max_limit=40)
    booru.latency_ms = 30  # slow enough to be killed mid-way
    project_dir = tmp_path / "project"
    Project.create(project_dir)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.Popen(_crawl_command(project_dir, booru.base_url), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(image_files(Project(project_dir))) < 50:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    project = Project.open(project_dir)
    have_at_kill = {p.stem for p in image_files(project)}
    assert 50 <= len(have_at_kill) < POSTS
    with project.open_catalog() as cat:
        [job] = cat.crawls()
        assert job.state == "running"  # killed: it never got to say how it ended
        finished_pages = set(cat.crawl_pages(job.id))
        recorded = {r["md5"] for r in cat.db.query("SELECT md5 FROM files")}
    assert finished_pages

    requests_before = len(booru.stats.log)
    booru.latency_ms = 0
    done = subprocess.run(_crawl_command(project_dir, booru.base_url, "--resume", str(job.id)),
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1].startswith(f"Crawl {job.id}: Done: {POSTS} of {POSTS}")

    files = image_files(project)
    assert len(files) == POSTS                       # nothing missing
    assert len({p.stem for p in files}) == POSTS     # nothing twice (names are md5s)
    assert_files_match_names(project)
    with project.open_catalog() as cat:
        assert cat.count_posts("downloaded") + cat.count_posts("duplicate") == POSTS
        assert cat.db.scalar("SELECT COUNT(*) FROM files") == POSTS
        assert cat.crawl(job.id).state == "done"

    resumed = [t for _, t, _ in list(booru.stats.log)[requests_before:]]
    # No finished file fetched again: files recorded in the catalog at the kill are not requested.
    md5_by_stem = {booru.dataset.stem(p): booru.dataset.md5(p) for p in booru.dataset.posts}
    refetched = {md5_by_stem.get(s) for s in _file_stems(t for t in resumed if t.startswith("/images/"))}
    assert not (refetched & recorded)
    # No finished page listed again.
    for target in resumed:
        if "page=dapi" in target and "json=1" in target:
            tags = parse_qs(urlsplit(target).query).get("tags", [""])[0]
            key = f"before:{tags.split('id:<')[1]}" if "id:<" in tags else "first"
            assert key not in finished_pages, target
