"""``ganime fakebooru`` (serve and --write-figures) and the demo server."""
import argparse
import subprocess
import sys

import pytest
import requests

from ganime_gui.commands import fakebooru as command
from ganime_gui.core.jobs import UserError
from ganime_gui.fakebooru.demo import start_demo_server
from ganime_gui.fakebooru.figures import read_ground_truth
from ganime_gui.fakebooru.server import FakeBooruServer
from ganime_gui.fakebooru.testing import running_fakebooru


def parse(*argv):
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return parser.parse_args(argv)


def test_write_figures_writes_the_folder_and_csv(tmp_path, capsys):
    out = tmp_path / "figs"
    assert command.run(parse("--write-figures", str(out), "--count", "6", "--seed", "2",
                             "--min-height", "64", "--max-height", "80")) == 0
    rows = read_ground_truth(out / "ground_truth.csv")
    assert len(rows) == 6 and all((out / r["file"]).exists() for r in rows)
    assert "ground_truth.csv" in capsys.readouterr().out


def test_bad_heights_are_user_errors():
    with pytest.raises(UserError):
        command.run(parse("--write-figures", "x", "--min-height", "300", "--max-height", "200"))


def test_serve_from_the_command_line():
    proc = subprocess.Popen([sys.executable, "-m", "ganime_gui", "fakebooru", "--port", "0",
                             "--posts", "30", "--profile", "danbooru", "--faults", "503=1000",
                             "--min-height", "64", "--max-height", "96",
                             "--api-user", "alice", "--api-key", "s3cret"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert "danbooru" in first and "503=1000" in first, first + proc.stderr.read()
        base = first.split(" at ")[1].split()[0]
        posts = requests.get(base + "/posts.json?limit=5", timeout=10).json()
        assert len(posts) == 5
        refused = requests.get(base + "/posts.json?limit=5", auth=("alice", "wrong"), timeout=10)
        assert refused.status_code == 401
        many_tags = "solo standing 1girl full_body"
        assert requests.get(base + "/posts.json", params={"tags": many_tags}, auth=("alice", "s3cret"),
                            timeout=10).status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)


def test_unknown_profile_and_busy_port_are_user_errors():
    with pytest.raises(UserError, match="profile"):
        FakeBooruServer("nonsense")
    with running_fakebooru(posts=5) as taken:
        with pytest.raises(UserError, match="port"):
            FakeBooruServer(port=taken.port)


def test_demo_server_serves_safebooru_until_shut_down():
    server = start_demo_server(posts=60, seed=3, min_height=64, max_height=96)
    try:
        html = requests.get(server.base_url + "/index.php?page=post&s=list&tags=solo", timeout=10).text
        assert html.count('class="thumb"') == 42
    finally:
        server.shutdown()
    server.shutdown()  # twice is fine
    with pytest.raises(requests.ConnectionError):
        requests.get(server.base_url + "/autocomplete.php?q=a", timeout=2)
