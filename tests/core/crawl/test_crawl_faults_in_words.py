"""Faults in words, nothing lost: certificates, a full disk, a busy catalog, a dead process,
adaptive download pacing, Retry-After dates, atomic projects."""
from __future__ import annotations

import errno
import http.server
import os
import shutil
import ssl
import subprocess
import sys
import threading
import time
from email.utils import formatdate

import pytest
from crawl_helpers import assert_files_match_names, crawl, fast_options, image_files

from ganime_gui.cli import main
from ganime_gui.core.boorus.base import parse_retry_after
from ganime_gui.core.crawl import CrawlOptions
from ganime_gui.core.crawl import download as download_module
from ganime_gui.core.crawl.client import RetryPolicy
from ganime_gui.core.crawl.politeness import DownloadGate, Politeness
from ganime_gui.core.jobs import UserError
from ganime_gui.core.project import CATALOG_NAME, Project


def _cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


# -- certificates ----------------------------------------------------------------------------
@pytest.fixture
def self_signed_server(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_an_untrusted_certificate_is_named_once_and_not_retried(self_signed_server, project, capsys):
    code, out, err = _cli(capsys, "crawl", "--project", str(project.root), "--base-url",
                          self_signed_server, "--quiet")
    assert code == 3, (out, err)
    last = out.strip().splitlines()[-1]
    assert "certificate is not trusted" in last and "REQUESTS_CA_BUNDLE" in last
    assert "Traceback" not in out + err and "No answer" not in out
    with project.open_catalog() as cat:
        [job] = cat.crawls()
        assert job.state == "blocked" and job.stats["requests"] == 1


# -- a full disk -----------------------------------------------------------------------------
def test_a_full_disk_stops_the_crawl_in_words_and_resume_keeps_everything(fakebooru, project,
                                                                          monkeypatch):
    booru = fakebooru("safebooru", posts=40, seed=2)
    real_open, written = open, []

    class FullFile:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    def tight_open(path, mode="r", *args, **kw):
        fh = real_open(path, mode, *args, **kw)
        if "w" in mode:
            written.append(path)
            if len(written) > 12:
                return FullFile(fh)
        return fh

    monkeypatch.setattr(download_module, "open", tight_open, raising=False)
    out = crawl(project, booru, options=fast_options(concurrency=2))
    assert out.state == "failed" and "disk is full" in out.reason and "Resume" in out.reason
    assert 0 < out.stats.downloaded <= 12
    assert not any(p.name.startswith(".dl-") for p in project.images_dir.iterdir())
    monkeypatch.undo()
    again = crawl(project, booru)
    assert again.job_id == out.job_id and again.state == "done", again.reason
    assert again.stats.downloaded == 40 and again.stats.had == 0
    assert len(image_files(project)) == 40
    assert_files_match_names(project)


def test_a_project_whose_creation_fails_is_not_a_project(tmp_path, monkeypatch):
    from ganime_gui.core.catalog import Catalog

    def full(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Catalog, "ensure_default_label_sets", full)
    with pytest.raises(UserError, match="disk is full"):
        Project.create(tmp_path / "p")
    assert not (tmp_path / "p" / CATALOG_NAME).exists()
    assert not Project.is_project(tmp_path / "p")
    monkeypatch.undo()
    project = Project.open_or_create(tmp_path / "p")
    with project.open_catalog() as cat:
        assert cat.db.scalar("SELECT COUNT(*) FROM label_sets") > 0


# -- a catalog held by another process --------------------------------------------------------
def test_a_catalog_locked_by_another_process_is_said_in_words(fakebooru, project, capsys,
                                                             monkeypatch):
    from ganime_gui.core.catalog import db
    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 0.3)
    booru = fakebooru("safebooru", posts=5)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(20)",
         str(project.catalog_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        code, out, err = _cli(capsys, "crawl", "--project", str(project.root), "--base-url",
                              booru.base_url, "--delay", "0", "--quiet")
    finally:
        holder.kill()
        holder.wait()
    assert code != 0
    assert "in use by another program" in out + err
    assert "Traceback" not in out + err and "database is locked" not in out + err


# -- a dead process, and running the same command again ---------------------------------------
def test_a_killed_crawl_is_interrupted_and_the_same_command_resumes_it(fakebooru, tmp_path, capsys):
    posts = 120
    booru = fakebooru("safebooru", posts=posts, seed=3, max_limit=40, faults="repost=0.25")
    booru.latency_ms = 30
    project_dir = tmp_path / "project"
    Project.create(project_dir)
    command = [sys.executable, "-m", "ganime_gui", "crawl", "--project", str(project_dir),
               "--base-url", booru.base_url, "--delay", "0", "--concurrency", "3", "--quiet"]
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(image_files(Project(project_dir))) < 30:
        time.sleep(0.02)
    proc.kill()
    proc.wait(10)
    code, out, _ = _cli(capsys, "crawl", "--project", str(project_dir), "--list")
    assert code == 0 and "interrupted" in out and "running" not in out

    booru.latency_ms = 0
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    project = Project.open(project_dir)
    with project.open_catalog() as cat:
        [job] = cat.crawls()                     # resumed, not started over
        assert job.state == "done"
        assert cat.db.scalar("SELECT COUNT(*) FROM posts WHERE file_id IS NULL") == 0
        assert cat.count_posts("downloaded") + cat.count_posts("duplicate") == posts
        distinct = {booru.dataset.md5(p) for p in booru.dataset.posts}
        assert cat.db.scalar("SELECT COUNT(*) FROM files") == len(distinct)
    assert done.stdout.strip().splitlines()[-1].startswith(f"Crawl {job.id}: Done")
    assert len(image_files(project)) == len(distinct)
    assert_files_match_names(project)


def test_the_crawl_help_says_rerunning_resumes(capsys):
    with pytest.raises(SystemExit):
        main(["crawl", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "running the same command again resumes the unfinished crawl" in text.lower()


# -- adaptive download pacing -------------------------------------------------------------------
def test_downloads_adapt_to_a_host_that_allows_fewer_at_once(fakebooru, project):
    booru = fakebooru("safebooru", posts=80, seed=4, latency_ms=40, max_file_connections=2,
                      rate_limit=2)
    politeness = Politeness()
    options = CrawlOptions(politeness=politeness, report_interval_s=0,
                           retry=RetryPolicy(attempts=6, backoff_s=0.05, max_backoff_s=0.5))
    out = crawl(project, booru, options=options)
    assert out.state == "done", out.reason
    assert out.stats.downloaded == 80 and out.stats.failed == 0
    answered_429 = booru.stats.by_status[429]
    assert answered_429 / booru.stats.total < 0.10, (answered_429, booru.stats.total)
    gate = politeness.gate(booru.base_url)
    assert gate.throttles >= 1 and gate.limit < 4


def test_the_gate_halves_on_throttle_and_grows_back_slowly():
    gate = DownloadGate(4)
    gate.throttled(0)
    assert gate.limit == 2
    gate.throttled(0)      # each throttle after the hold-off halves again
    assert gate.limit == 1
    for _ in range(7):
        gate.succeeded()
    assert gate.limit == 1
    gate.succeeded()
    assert gate.limit == 2
    gate.throttled(5)
    gate.throttled(5)      # during the hold-off a second 429 does not halve again
    assert gate.limit == 1 and gate.hold_remaining() > 4


def test_retry_after_as_an_http_date():
    now = time.time()
    assert parse_retry_after({"Retry-After": formatdate(now + 30, usegmt=True)}, now) == \
        pytest.approx(30, abs=1.5)
    assert parse_retry_after({"retry-after": "7"}) == 7
    assert parse_retry_after({"Retry-After": formatdate(now - 30, usegmt=True)}, now) == 0
    assert parse_retry_after({"Retry-After": "soon"}) is None
