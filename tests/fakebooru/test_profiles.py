"""The gelbooru, danbooru and moebooru profiles."""
import hashlib
import re
import time

import pytest
import requests

from ganime_gui.fakebooru import query
from ganime_gui.fakebooru.testing import running_fakebooru

GELBOORU_API = "/index.php?page=dapi&s=post&q=index&json=1"
AUTH = "&api_key=key&user_id=42"


@pytest.fixture(scope="module")
def gelbooru():
    with running_fakebooru("gelbooru", posts=120, seed=4) as server:
        yield server


@pytest.fixture(scope="module")
def danbooru():
    with running_fakebooru("danbooru", posts=120, seed=5) as server:
        yield server


@pytest.fixture(scope="module")
def moebooru():
    with running_fakebooru("moebooru", posts=120, seed=6) as server:
        yield server


# -- gelbooru ----------------------------------------------------------------------------------

def test_gelbooru_wants_api_key_and_user_id(http, gelbooru):
    assert http.get(gelbooru.base_url + GELBOORU_API).status_code == 401
    assert http.get(gelbooru.base_url + GELBOORU_API + "&api_key=k").status_code == 401
    assert http.get(gelbooru.base_url + GELBOORU_API + AUTH).status_code == 200


def test_gelbooru_checks_credentials_when_given():
    with running_fakebooru("gelbooru", posts=5, api_user="7", api_key="secret") as server:
        base = server.base_url + GELBOORU_API
        assert requests.get(base + "&api_key=nope&user_id=7").status_code == 401
        assert requests.get(base + "&api_key=secret&user_id=7").status_code == 200


def test_gelbooru_envelope_counts_and_drops_post_at_zero_results(http, gelbooru):
    data = http.get(gelbooru.base_url + GELBOORU_API + AUTH + "&limit=7&pid=1&tags=solo").json()
    assert data["@attributes"] == {"limit": 7, "offset": 7,
                                   "count": len(query.search("solo", gelbooru.dataset))}
    assert len(data["post"]) == 7
    post = data["post"][0]
    assert post["directory"] == f"{post['md5'][:2]}/{post['md5'][2:4]}"
    assert post["image"] == f"{post['md5']}.{post['image'].rsplit('.', 1)[1]}"
    assert post["has_notes"] in ("true", "false") and post["sample"] in (0, 1)
    empty = http.get(gelbooru.base_url + GELBOORU_API + AUTH + "&tags=no_such_tag").json()
    assert empty == {"@attributes": {"limit": 100, "offset": 0, "count": 0}}


def test_gelbooru_escapes_tags_like_php(http, gelbooru):
    posts = http.get(gelbooru.base_url + GELBOORU_API + AUTH + "&limit=200&tags=>_<").json()["post"]
    assert posts and all("&gt;_&lt;" in p["tags"].split() for p in posts)
    assert all(">" not in p["tags"] for p in posts)


def test_gelbooru_files_and_autocomplete2(http, gelbooru):
    post = http.get(gelbooru.base_url + GELBOORU_API + AUTH + "&limit=1").json()["post"][0]
    r = http.get(post["file_url"])
    assert hashlib.md5(r.content).hexdigest() == post["md5"]
    hits = http.get(gelbooru.base_url
                    + "/index.php?page=autocomplete2&term=sol&type=tag_query&limit=3").json()
    assert hits[0] == {"type": "tag", "label": "solo", "value": "solo",
                       "post_count": str(len(gelbooru.dataset.tag_index()["solo"])), "category": "tag"}
    assert http.get(gelbooru.base_url + "/autocomplete.php?q=so").status_code == 404


def test_gelbooru_deep_paging_answers_the_too_deep_text(http):
    with running_fakebooru("gelbooru", posts=30, deep_limit=20) as server:
        r = http.get(server.base_url + GELBOORU_API + AUTH + "&limit=10&pid=3")
        assert r.status_code == 200 and r.text.startswith("Too deep!")


# -- danbooru ----------------------------------------------------------------------------------

def test_danbooru_posts_pages_and_limit(http, danbooru):
    expected = [p.id for p in query.search("solo", danbooru.dataset)]
    page2 = http.get(danbooru.base_url + "/posts.json?tags=solo&limit=10&page=2").json()
    assert [p["id"] for p in page2] == expected[10:20]
    assert len(http.get(danbooru.base_url + "/posts.json?limit=500").json()) == 120  # limit <= 200
    with running_fakebooru("danbooru", posts=300) as server:
        assert len(requests.get(server.base_url + "/posts.json?limit=500").json()) == 200


def test_danbooru_page_beyond_the_limit_is_410_but_cursors_go_on(http, danbooru):
    r = http.get(danbooru.base_url + "/posts.json?page=1001")
    assert r.status_code == 410
    assert r.json()["error"] == "PaginationExtension::PaginationError"
    assert r.json()["message"] == "You cannot go beyond page 1000."
    every = [p["id"] for p in http.get(danbooru.base_url + "/posts.json?limit=200").json()]
    walked, cursor = [], ""
    while True:
        page = http.get(danbooru.base_url + f"/posts.json?limit=25&page=b{cursor or 10**9}").json()
        if not page:
            break
        walked += [p["id"] for p in page]
        cursor = page[-1]["id"]
    assert walked == every
    after = http.get(danbooru.base_url + f"/posts.json?limit=5&page=a{every[50]}").json()
    assert [p["id"] for p in after] == every[45:50]


def test_danbooru_tag_limit_is_two(http, danbooru):
    r = http.get(danbooru.base_url + "/posts.json?tags=solo+standing+chibi")
    assert r.status_code == 422 and "more than 2 tags" in r.json()["message"]
    assert http.get(danbooru.base_url + "/posts.json?tags=solo+standing+rating:general").status_code == 200


def test_danbooru_rate_limiter_answers_429(http):
    with running_fakebooru("danbooru", posts=10, rate_limit=5) as server:
        codes = [http.get(server.base_url + "/posts.json?limit=1").status_code for _ in range(12)]
        assert codes[:5] == [200] * 5 and 429 in codes
        time.sleep(0.5)
        assert http.get(server.base_url + "/posts.json?limit=1").status_code == 200


def test_danbooru_files_variants_and_tags(http, danbooru):
    post = http.get(danbooru.base_url + "/posts.json?limit=1").json()[0]
    assert post["rating"] in "gsqe" and post["md5"] in post["file_url"]
    r = http.get(post["file_url"])
    assert hashlib.md5(r.content).hexdigest() == post["md5"] and len(r.content) == post["file_size"]
    for variant in post["media_asset"]["variants"]:
        got = http.get(variant["url"])
        assert got.status_code == 200, variant
    assert http.get(post["preview_file_url"]).headers["Content-Type"] == "image/jpeg"
    assert http.get(post["file_url"].rsplit(".", 1)[0] + ".webm").status_code == 404
    assert http.get(danbooru.base_url + f"/posts/{post['id']}.json").json()["id"] == post["id"]
    assert http.get(danbooru.base_url + "/posts/1.json").status_code == 404
    auto = http.get(danbooru.base_url
                    + "/autocomplete.json?search[query]=so&search[type]=tag_query&limit=5").json()
    assert (auto[0]["value"] == "solo" and auto[0]["type"] == "tag-word"
            and isinstance(auto[0]["post_count"], int))
    tags = http.get(danbooru.base_url
                    + "/tags.json?search[name_matches]=*_hair&search[order]=count&limit=5").json()
    assert tags and all(t["name"].endswith("_hair") for t in tags)
    assert [t["post_count"] for t in tags] == sorted((t["post_count"] for t in tags), reverse=True)


# -- moebooru ----------------------------------------------------------------------------------

def test_moebooru_pages_are_one_based(http, moebooru):
    expected = [p.id for p in query.search("solo", moebooru.dataset)]
    first = http.get(moebooru.base_url + "/post.json?tags=solo&limit=10&page=1").json()
    second = http.get(moebooru.base_url + "/post.json?tags=solo&limit=10&page=2").json()
    assert [p["id"] for p in first] == expected[:10]
    assert [p["id"] for p in second] == expected[10:20]
    assert http.get(moebooru.base_url + "/post.json?tags=solo&limit=10").json() == first


def test_moebooru_files_and_tags(http, moebooru):
    post = http.get(moebooru.base_url + "/post.json?limit=1").json()[0]
    assert post["rating"] in "sqe" and isinstance(post["created_at"], int)
    assert "%20" in post["file_url"]
    r = http.get(post["file_url"])
    assert hashlib.md5(r.content).hexdigest() == post["md5"]
    assert http.get(post["preview_url"]).headers["Content-Type"] == "image/jpeg"
    assert http.get(post["jpeg_url"]).status_code == 200
    tags = http.get(moebooru.base_url + "/tag.json?name=hair&order=count&limit=3").json()
    assert len(tags) == 3 and all("hair" in t["name"] for t in tags)
    safe = http.get(moebooru.base_url + "/post.json?tags=rating:s&limit=200").json()
    assert safe and all(p["rating"] == "s" for p in safe)


def test_gelbooru_html_list_wraps_thumbs_like_the_real_page(http, gelbooru):
    html = http.get(gelbooru.base_url + "/index.php?page=post&s=list&tags=solo").text
    lines = [line for line in html.splitlines() if 'class="thumb"' in line]
    assert len(lines) == 42
    assert all(line.startswith('<div class="thumbnail-preview"><span id="s') for line in lines)
    assert all(re.search(r"thumbnail_[0-9a-f]{32}\.jpg", line) for line in lines)
