"""Each fault, on its own, switchable at run time, and seeded."""
import hashlib
import http.client
import time
import urllib.parse

import pytest
import requests

from ganime_gui.core.jobs import UserError
from ganime_gui.fakebooru.faults import parse_spec
from ganime_gui.fakebooru.testing import running_fakebooru

API = "/index.php?page=dapi&s=post&q=index&json=1"


@pytest.fixture(scope="module")
def booru():
    with running_fakebooru("safebooru", posts=90, seed=8) as server:
        yield server


@pytest.fixture
def faults(booru):
    """Set the booru's faults for one test, cleared afterwards."""
    yield booru.set_faults
    booru.set_faults(None)


def get(booru, path=API, **params):
    return requests.get(booru.base_url + path, params=params, timeout=10)


def raw_get(url):
    """(status, headers, body read so far, complete?) without a client that retries."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
    resp = conn.getresponse()
    try:
        return resp.status, dict(resp.getheaders()), resp.read(), True
    except http.client.IncompleteRead as exc:
        return resp.status, dict(resp.getheaders()), exc.partial, False
    finally:
        conn.close()


def test_429_every_nth_request_with_retry_after(booru, faults):
    faults("429=3:retry_after=7")
    codes = [get(booru, limit=1) for _ in range(6)]
    assert [r.status_code for r in codes] == [200, 200, 429, 200, 200, 429]
    assert codes[2].headers["Retry-After"] == "7"


def test_503_every_nth_request(booru, faults):
    faults("503=2")
    assert [get(booru, limit=1).status_code for _ in range(4)] == [200, 503, 200, 503]


def test_cloudflare_challenge(booru, faults):
    faults("challenge=1")
    r = get(booru, limit=1)
    assert r.status_code == 403
    assert r.headers["Server"] == "cloudflare" and r.headers["cf-mitigated"] == "challenge"
    assert "_cf_chl_opt" in r.text and "Just a moment" in r.text


def test_every_nth_faults_can_count_file_requests_only(booru, faults):
    post = get(booru, limit=1).json()[0]
    faults("503=1:on=files")
    assert get(booru, limit=1).status_code == 200
    assert requests.get(post["file_url"]).status_code == 503


def test_empty_page_comes_back_empty_once_though_more_results_exist(booru, faults):
    faults("empty_page=1")
    first = get(booru, limit=20, pid=1)
    again = get(booru, limit=20, pid=1)
    assert first.json() == [] and len(again.json()) == 20
    faults("empty_page=1")
    xml = get(booru, "/index.php?page=dapi&s=post&q=index", limit=20, pid=1).text
    assert 'count="90"' in xml and "<post " not in xml
    faults("empty_page=2")
    html = get(booru, "/index.php", page="post", s="list", tags="", pid=84).text
    assert 'class="thumb"' not in html


def test_truncated_files_send_half_then_close_and_a_retry_works(booru, faults):
    post = get(booru, limit=1).json()[0]
    faults("truncate=1.0")
    status, headers, body, complete = raw_get(post["file_url"])
    assert status == 200 and not complete
    assert len(body) < int(headers["Content-Length"])
    status, headers, body, complete = raw_get(post["file_url"])
    assert complete and hashlib.md5(body).hexdigest() == post["hash"]


def test_slow_responses(booru, faults):
    faults("slow=2:ms=400")
    start = time.perf_counter()
    get(booru, limit=1)
    fast = time.perf_counter() - start
    start = time.perf_counter()
    get(booru, limit=1)
    slow = time.perf_counter() - start
    assert fast < 0.3 and slow >= 0.4


def test_directory_as_string(booru, faults):
    faults("directory_string")
    posts = get(booru, limit=3).json()
    assert all(isinstance(p["directory"], str) and p["directory"].isdigit() for p in posts)


def test_empty_body_instead_of_an_empty_array(booru, faults):
    assert get(booru, tags="no_such_tag").text == "[]"
    faults("empty_body")
    r = get(booru, tags="no_such_tag")
    assert r.status_code == 200 and r.content == b""


def test_dropped_connection(booru, faults):
    faults("drop=2")
    assert get(booru, limit=1).status_code == 200
    with pytest.raises(requests.ConnectionError):
        get(booru, limit=1)
    assert get(booru, limit=1).status_code == 200


def test_bad_md5_serves_other_valid_bytes(booru, faults):
    faults("bad_md5=1.0")
    post = get(booru, limit=1).json()[0]
    r = requests.get(post["file_url"])
    assert r.status_code == 200 and int(r.headers["Content-Length"]) == len(r.content)
    assert hashlib.md5(r.content).hexdigest() != post["hash"]
    from io import BytesIO
    from PIL import Image
    assert Image.open(BytesIO(r.content)).size == (post["width"], post["height"])


def test_hostile_file_names_still_download(booru, faults):
    faults("hostile_name=1.0")
    posts = get(booru, limit=4).json()
    assert all(p["image"].startswith(("../", "/")) for p in posts)
    for p in posts:
        assert p["file_url"].startswith(booru.base_url + "/images/")
        r = requests.get(p["file_url"])
        assert hashlib.md5(r.content).hexdigest() == p["hash"]


def test_gelbooru_single_post_as_an_object():
    with running_fakebooru("gelbooru", posts=10, faults="post_object") as server:
        url = server.base_url + API + "&api_key=k&user_id=1"
        one = requests.get(url + "&limit=1").json()["post"]
        two = requests.get(url + "&limit=2").json()["post"]
    assert isinstance(one, dict) and isinstance(two, list)


def test_fraction_faults_are_seeded():
    def truncated_ids(seed):
        with running_fakebooru(posts=40, seed=1, faults=f"truncate=0.5,seed={seed}") as server:
            posts = requests.get(server.base_url + API + "&limit=40").json()
            return {p["id"] for p in posts if not raw_get(p["file_url"])[3]}
    a, b, c = truncated_ids(1), truncated_ids(1), truncated_ids(2)
    assert a == b and a != c and 5 < len(a) < 35


def test_faults_switch_at_run_time_and_counters_restart(booru, faults):
    faults("503=1")
    assert get(booru, limit=1).status_code == 503
    faults(None)
    assert get(booru, limit=1).status_code == 200
    faults("429=2")
    assert [get(booru, limit=1).status_code for _ in range(2)] == [200, 429]


@pytest.mark.parametrize("spec", ["nonsense=1", "429=x", "429:every", "429=0", "empty_page",
                                  "503=1:on=somewhere", "challenge=1:ua=robot"])
def test_bad_specs_are_user_errors(spec):
    with pytest.raises(UserError):
        parse_spec(spec)


def test_spec_syntax():
    conf = parse_spec("429=5:retry_after=2, truncate=0.25:times=2,directory_string,seed=3")
    assert conf["429"] == {"every": 5, "retry_after": 2, "on": "api"}
    assert conf["truncate"] == {"fraction": 0.25, "times": 2}
    assert conf["directory_string"] == {} and conf["seed"] == {"value": 3}


def test_challenge_only_browser_like_agents_as_danbooru_does():
    with running_fakebooru("danbooru", posts=5, faults="challenge=1:ua=browser") as server:
        url = server.base_url + "/posts.json?limit=1"
        browser = requests.get(url, headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Edge/94"})
        tool = requests.get(url, headers={"User-Agent": "ganime-studio/0.1"})
    assert browser.status_code == 403 and browser.headers["cf-mitigated"] == "challenge"
    assert tool.status_code == 200


def test_verbose_logs_every_request(capsys):
    import requests as _requests

    from ganime_gui.fakebooru.server import FakeBooruServer
    server = FakeBooruServer("safebooru", posts=5, quiet=False).start()
    try:
        _requests.get(f"{server.base_url}/index.php?page=dapi&s=post&q=index&json=1", timeout=10)
        _requests.get(f"{server.base_url}/nothing-here", timeout=10)
    finally:
        server.shutdown()
    err = capsys.readouterr().err
    assert '"GET /index.php?page=dapi&s=post&q=index&json=1 HTTP/1.1" 200' in err
    assert '"GET /nothing-here HTTP/1.1" 404' in err
