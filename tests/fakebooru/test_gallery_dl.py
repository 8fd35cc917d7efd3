"""A real third-party client, gallery-dl's gelbooru_v02 extractor, crawls the fake completely.

gallery-dl reads extra instances from its config when the extractor module is imported, so it
runs as a subprocess with a config file naming the fake as the instance "fakebooru".
"""
import hashlib
import json
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

from ganime_gui.fakebooru import query
from ganime_gui.fakebooru.testing import running_fakebooru

pytest.importorskip("gallery_dl")


def run_gallery_dl(booru, tmp_path, url, extra_config=None) -> subprocess.CompletedProcess:
    config = {"extractor": {"base-directory": str(tmp_path / "out"),
                            "gelbooru_v02": {"fakebooru": {"root": booru.base_url}},
                            **(extra_config or {})}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    exe = shutil.which("gallery-dl", path=str(pathlib.Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "gallery_dl"]
    return subprocess.run([*cmd, "--config-ignore", "-c", str(tmp_path / "config.json"), url],
                          capture_output=True, text=True, timeout=120)


def downloaded(tmp_path) -> dict[int, str]:
    """post id -> md5 of the downloaded bytes, checked against the md5 in the file name."""
    got = {}
    for f in (tmp_path / "out").rglob("fakebooru_*"):
        m = re.fullmatch(r"fakebooru_(\d+)_([0-9a-f]{32})\.(jpg|png|gif)", f.name)
        assert m, f.name
        md5 = hashlib.md5(f.read_bytes()).hexdigest()
        assert md5 == m.group(2), f"{f.name} has other bytes than its md5"
        got[int(m.group(1))] = md5
    return got


def test_gallery_dl_gets_every_post_of_a_tag_search_md5_checked(tmp_path):
    with running_fakebooru("safebooru", posts=260, seed=11) as booru:
        tags = "standing solo"  # more than one gallery-dl page (100 posts)
        expected = query.search(tags, booru.dataset)
        assert len(expected) > 100
        proc = run_gallery_dl(booru, tmp_path,
                              f"{booru.base_url}/index.php?page=post&s=list&tags=solo+standing")
        assert proc.returncode == 0, proc.stderr[-2000:]
        got = downloaded(tmp_path)
        assert got == {p.id: booru.dataset.md5(p) for p in expected}
        assert booru.stats["api"] == 3  # pages of 100, 100 and the rest: no retries


def test_gallery_dl_retries_through_an_empty_page_and_503s(tmp_path):
    with running_fakebooru("safebooru", posts=230, seed=12, faults="empty_page=1,503=2") as booru:
        expected = query.search("", booru.dataset)
        proc = run_gallery_dl(booru, tmp_path, f"{booru.base_url}/index.php?page=post&s=list&tags=all",
                              {"retries": 3, "sleep-request": 0, "sleep-retries": 0.01})
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert set(downloaded(tmp_path)) == {p.id for p in expected}
        assert booru.stats.by_status[503] > 0
