"""The fake's responses have the keys, value types and envelopes of real ones (fixtures/)."""
import json
import pathlib
import re

import pytest
import requests

from ganime_gui.fakebooru.testing import running_fakebooru

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
# Keys the fake adds over a fixture, on purpose (newer API shapes than the fixture's).
EXTRA_KEYS = {"danbooru": {"media_asset"}}


def fixture(name: str):
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else text


def json_type(value) -> str:
    return {type(None): "null", bool: "bool", int: "int", float: "float", str: "str",
            list: "list", dict: "dict"}[type(value)]


def assert_same_shape(fake: dict, real: dict, extra: set = frozenset()) -> None:
    assert set(fake) - set(real) == set(extra), "keys the real site does not send"
    assert set(real) - set(fake) == set(), "keys the real site sends"
    for key, value in real.items():
        if value is None:  # a null in the fixture: the fake may fill it (a parent, a score)
            continue
        assert json_type(fake[key]) == json_type(value), (key, fake[key], value)


def fetch(profile: str, path: str, **options):
    with running_fakebooru(profile, posts=60, seed=2, **options) as server:
        return requests.get(server.base_url + path, timeout=10)


def test_safebooru_json_post_matches_the_real_one_key_for_key_and_in_order():
    real = fixture("safebooru_org__dapi_json__posts__2025-09.json")[0]
    fake = fetch("safebooru", "/index.php?page=dapi&s=post&q=index&json=1&limit=5").json()
    for post in fake:
        assert list(post) == list(real)
        assert_same_shape(post, real)


def test_safebooru_deep_error_is_the_real_body():
    real = fixture("safebooru_org__dapi_error__pid_too_deep.xml")
    fake = fetch("safebooru", "/index.php?page=dapi&s=post&q=index&json=1&limit=100&pid=3",
                 deep_limit=200)
    assert fake.text.strip() == real.strip()


def test_gelbooru_envelope_and_posts_match():
    real = fixture("gelbooru_com__dapi_json__posts_envelope__2023-03.json")
    fake = fetch("gelbooru", "/index.php?page=dapi&s=post&q=index&json=1&limit=10&api_key=k&user_id=1").json()
    assert list(fake) == list(real)
    assert_same_shape(fake["@attributes"], real["@attributes"])
    for post in fake["post"]:
        assert list(post) == list(real["post"][0])
        assert_same_shape(post, real["post"][0])


@pytest.mark.parametrize("has_sample", [True, False])
def test_gelbooru_sample_fields_follow_the_real_convention(has_sample):
    real = fixture("gelbooru_com__dapi_json__posts_envelope__2023-03.json")["post"]
    no_sample = next(p for p in real if p["sample"] == 0)
    assert no_sample["sample_url"] == "" and no_sample["sample_width"] == 0
    fake = fetch("gelbooru", "/index.php?page=dapi&s=post&q=index&json=1&limit=60&api_key=k&user_id=1",
                 min_height=700, max_height=1500).json()["post"]
    chosen = [p for p in fake if bool(p["sample"]) == has_sample]
    assert chosen
    for p in chosen:
        assert (p["sample_url"] != "") == has_sample
        assert (p["sample_width"] == 850) == has_sample


def test_danbooru_posts_match():
    real = fixture("danbooru__posts_json__list__2023-03.json")
    fake = fetch("danbooru", "/posts.json?limit=10").json()
    assert isinstance(fake, list) and fake
    for post in fake:
        assert_same_shape(post, real[0], EXTRA_KEYS["danbooru"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[-+]\d\d:\d\d", post["created_at"])


def test_danbooru_page_limit_body_is_the_real_one():
    real = fixture("danbooru__posts_json__error_410_page_limit.json")
    fake = fetch("danbooru", "/posts.json?page=1001")
    assert fake.status_code == 410 and fake.json() == real


def test_moebooru_posts_match():
    real = fixture("konachan_com__moebooru_post_json__list__2023-03.json")
    fake = fetch("moebooru", "/post.json?limit=10").json()
    for post in fake:
        assert list(post) == list(real[0])
        assert_same_shape(post, real[0])


def test_html_thumbs_and_pagination_have_the_real_structure():
    real = fixture("gelbooru_com__html_post_list__excerpt__2017-09.html")
    thumb = re.compile(r'<span id="s(\d+)" class="thumb"><a id="p\1" href="[^"]*index\.php\?page=post'
                       r'&amp;s=view&amp;id=\1" ><img src="[^"]+/thumbnails/[^"]+/thumbnail_[0-9a-f]+'
                       r'\.jpg[^"]*" alt="[^"]*" title=" [^"]*  score:\d+ rating:\w+" class="preview ?"/>'
                       r"</a></span>")
    assert len(thumb.findall(real)) == 7  # the pattern describes the real page
    with running_fakebooru("safebooru", posts=100, seed=2) as server:
        fake = requests.get(server.base_url + "/index.php?page=post&s=list&tags=").text
    assert len(thumb.findall(fake)) == 42
    for page in (real, fake):
        assert re.search(r'<div class="pagination"> <b>1</b> <a href="\?page=post&amp;s=list&amp;tags=[^"]*'
                         r'&amp;pid=42">2</a>', page)
        assert re.search(r'pid=42" alt="next">&rsaquo;</a><a href="[^"]*pid=\d+" alt="last page">'
                         r"&raquo;</a></div></div>", page)
