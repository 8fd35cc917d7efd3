"""Every real response in the fixtures, and each variant the research notes list, parses right."""
from __future__ import annotations

import json

import pytest
from crawl_helpers import FIXTURES

from ganime_gui.core.boorus import (AuthRequired, BadResponse, ChallengeBlocked, DeepPagingRefused,
                                    RateLimited, TagLimitExceeded, make_adapter)
from ganime_gui.core.boorus.base import absolute_url, normalise_rating
from ganime_gui.core.boorus.safebooru import parse_html_list


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# -- real fixtures -------------------------------------------------------------------------------
def test_safebooru_json_fixture():
    page = make_adapter("safebooru").parse_list(
        200, {}, fixture("safebooru_org__dapi_json__posts__2025-09.json"))
    [post] = page.posts
    assert post.id == 6077620
    assert post.md5 == "563c6fbe5761ac4ba720ae0da9a15b8a"          # from "hash", not from "image"
    assert post.file_url == "https://safebooru.org/images/539/6fef5929e6e09703b1493c6e5802fa5e4f189639.jpg"
    assert post.sample_url.endswith("/samples/539/sample_6fef5929e6e09703b1493c6e5802fa5e4f189639.jpg")
    assert (post.sample_width, post.sample_height) == (850, 478)
    assert (post.width, post.height) == (2160, 1215)
    assert post.rating == "general" and post.score is None
    assert "6+girls" in post.tags and "yellow_eyes" in post.tags and len(post.tags) == 42
    assert page.total is None and page.min_id == 6077620


def test_safebooru_deep_error_fixture_is_deep_paging_not_empty():
    with pytest.raises(DeepPagingRefused):
        make_adapter("safebooru").parse_list(200, {}, fixture("safebooru_org__dapi_error__pid_too_deep.xml"))


def test_gelbooru_envelope_fixture():
    page = make_adapter("gelbooru").parse_list(
        200, {}, fixture("gelbooru_com__dapi_json__posts_envelope__2023-03.json"))
    assert page.total == 6877
    assert [p.id for p in page.posts] == [8329156, 8311716, 8299561]
    first, second, third = page.posts
    assert first.md5 == "b4a3a01ffbbd22fb03d60a35754985f8"
    assert first.sample_url.endswith("sample_b4a3a01ffbbd22fb03d60a35754985f8.jpg")
    assert second.sample_url is None and second.sample_width is None  # "sample": 0, "sample_url": ""
    assert ">_<" in third.tags                                        # &gt;_&lt; unescaped
    assert all(p.rating == "general" for p in page.posts)


def test_danbooru_fixture():
    page = make_adapter("danbooru").parse_list(200, {}, fixture("danbooru__posts_json__list__2023-03.json"))
    assert [p.id for p in page.posts] == [6148688, 6148687]
    post = page.posts[0]
    assert post.md5 == "dc123eec97d06c3aa9cd53d65a2c7abf"
    assert post.file_url == "https://cdn.donmai.us/original/dc/12/dc123eec97d06c3aa9cd53d65a2c7abf.jpg"
    assert post.sample_url.endswith("sample-dc123eec97d06c3aa9cd53d65a2c7abf.jpg")
    assert (post.sample_width, post.sample_height) == (850, 1417)
    assert post.rating == "general" and post.file_ext == "jpg" and "comic" in post.tags


def test_danbooru_410_fixture_is_deep_paging():
    with pytest.raises(DeepPagingRefused, match="page 1000"):
        make_adapter("danbooru").parse_list(
            410, {}, fixture("danbooru__posts_json__error_410_page_limit.json"))


def test_moebooru_fixture():
    page = make_adapter("moebooru").parse_list(
        200, {}, fixture("konachan_com__moebooru_post_json__list__2023-03.json"))
    assert [p.id for p in page.posts] == [354323, 354321, 354320, 354319]
    post = page.posts[0]
    assert post.md5 == "e53d6e7c9046076fdb2ce4ab07e9f0c5" and post.file_ext == "png"
    kinds = {v.kind: v for v in post.variants()}
    assert set(kinds) == {"original", "sample", "jpeg"}
    assert kinds["sample"].long_side == 1500
    assert post.rating == "general"


def test_html_list_fixture():
    page = parse_html_list(make_adapter("gelbooru"),
                           fixture("gelbooru_com__html_post_list__excerpt__2017-09.html").decode())
    assert [p.id for p in page.posts] == [3889449, 3889444, 3889438, 3889428, 3889422, 3889413, 3889398]
    post = page.posts[0]
    assert post.file_url == "https://simg3.gelbooru.com/images/44/1c/441ca055e7cc4dc823d9747b735f2cae.jpg"
    assert post.fallback_urls[0].endswith("441ca055e7cc4dc823d9747b735f2cae.png")
    assert "score:0" not in post.tags and "white_background" in post.tags and post.rating == "general"
    assert page.total == 2249268 + 42


def test_html_list_does_not_need_one_thumb_per_line():
    text = fixture("gelbooru_com__html_post_list__excerpt__2017-09.html").decode().replace("\n", "")
    page = parse_html_list(make_adapter("safebooru"), text)
    assert len(page.posts) == 7 and page.posts[1].id == 3889444


# -- variants the reference lists ----------------------------------------------------------------
SAFE = make_adapter("safebooru", "https://safebooru.org")


def dapi_entry(**fields) -> dict:
    base = {"id": 10, "hash": "a" * 32, "directory": 539, "image": "b" * 40 + ".png", "width": 800,
            "height": 1200, "rating": "safe", "tags": "1girl solo", "sample": False}
    base.update(fields)
    return base


@pytest.mark.parametrize("directory", [539, "539"])
def test_missing_file_url_is_built_from_directory_and_image(directory):
    body = json.dumps([dapi_entry(directory=directory)]).encode()
    [post] = SAFE.parse_list(200, {}, body).posts
    assert post.file_url == f"https://safebooru.org/images/539/{'b' * 40}.png"
    assert post.preview_url == f"https://safebooru.org/thumbnails/539/thumbnail_{'b' * 40}.jpg"
    assert post.sample_url is None and post.file_ext == "png"


def test_sample_url_built_when_sample_flag_set():
    body = json.dumps([dapi_entry(sample=True, sample_width=850, sample_height=1275)]).encode()
    [post] = SAFE.parse_list(200, {}, body).posts
    assert post.sample_url == f"https://safebooru.org/samples/539/sample_{'b' * 40}.jpg"


@pytest.mark.parametrize("url", ["//safebooru.org/images/1/x.jpg", "/images/1/x.jpg",
                                 "http://safebooru.org//safebooru.org/images/1/x.jpg"])
def test_relative_and_doubled_urls(url):
    expected_scheme = "http" if url.startswith("http:") else "https"
    assert absolute_url("https://safebooru.org", url) == f"{expected_scheme}://safebooru.org/images/1/x.jpg"


def test_single_object_instead_of_list():
    [post] = SAFE.parse_list(200, {}, json.dumps(dapi_entry()).encode()).posts
    assert post.id == 10
    envelope = {"@attributes": {"limit": 100, "offset": 0, "count": 1}, "post": dapi_entry(md5="c" * 32)}
    page = make_adapter("gelbooru").parse_list(200, {}, json.dumps(envelope).encode())
    assert page.total == 1 and page.posts[0].md5 == "c" * 32


def test_envelope_without_posts_is_empty_with_count():
    page = make_adapter("gelbooru").parse_list(200, {}, b'{"@attributes":{"limit":100,"offset":0,"count":0}}')
    assert page.posts == [] and page.total == 0


@pytest.mark.parametrize("body", [b"", b"   \n", b"[]"])
def test_empty_bodies_are_empty_pages(body):
    page = SAFE.parse_list(200, {}, body)
    assert page.posts == [] and page.raw_count == 0


def test_html_escaped_tags_are_unescaped():
    [post] = SAFE.parse_list(
        200, {}, json.dumps([dapi_entry(tags="&gt;_&lt; jeanne_d&#039;arc")]).encode()).posts
    assert post.tags == (">_<", "jeanne_d'arc")


def test_xml_attribute_form_with_count():
    body = (b'<?xml version="1.0" encoding="UTF-8"?><posts count="5000" offset="0">'
            b'<post height="1200" score="3" file_url="https://safebooru.org/images/1/abc.png" '
            b'parent_id="" sample_url="https://safebooru.org/samples/1/sample_abc.jpg" sample_width="850" '
            b'sample_height="1275" preview_url="https://safebooru.org/thumbnails/1/thumbnail_abc.jpg" '
            b'rating="s" tags=" 1girl &amp;gt;_&amp;lt; solo " id="77" width="800" change="1" '
            b'md5="0123456789abcdef0123456789abcdef" created_at="Wed Sep 20 10:31:21 -0500 2017" '
            b'has_notes="false"/></posts>')
    page = SAFE.parse_list(200, {}, body)
    assert page.total == 5000
    [post] = page.posts
    assert post.id == 77 and post.md5 == "0123456789abcdef0123456789abcdef"
    assert post.rating == "general" and post.tags[0] == "1girl" and post.sample_width == 850
    assert SAFE.parse_count(200, {}, body) == 5000


def test_xml_entity_bomb_is_refused():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            b'<posts count="1"><post id="1" tags="&lol2;"/></posts>')
    with pytest.raises(BadResponse, match="forbidden"):
        SAFE.parse_list(200, {}, bomb)


def test_error_documents():
    with pytest.raises(BadResponse, match="broken"):
        SAFE.parse_list(200, {}, b'<?xml version="1.0"?><response success="false" reason="x"')
    with pytest.raises(DeepPagingRefused):
        make_adapter("gelbooru").parse_list(200, {}, b"Too deep! Pull it back some. Holy fuck.")
    with pytest.raises(BadResponse, match="HTML"):
        SAFE.parse_list(200, {}, b"<!DOCTYPE html><html><body>maintenance</body></html>")
    with pytest.raises(BadResponse, match="not JSON"):
        SAFE.parse_list(200, {}, b"{broken")


def test_http_refusals_raise_the_right_error():
    gel = make_adapter("gelbooru")
    with pytest.raises(AuthRequired, match="user id and API key"):
        gel.parse_list(401, {}, b"")
    with pytest.raises(AuthRequired):
        gel.parse_list(200, {}, b'"Missing authentication. Go to api.rule34.xxx to generate a key."')
    with pytest.raises(ChallengeBlocked):
        SAFE.parse_list(403, {"Server": "cloudflare", "cf-mitigated": "challenge"}, b"<html>")
    with pytest.raises(RateLimited) as info:
        SAFE.parse_list(429, {"Retry-After": "7"}, b"")
    assert info.value.retry_after == 7
    with pytest.raises(TagLimitExceeded):
        make_adapter("danbooru").parse_list(422, {}, json.dumps(
            {"success": False, "error": "PostQuery::TagLimitError",
             "message": "You cannot search for more than 2 tags at a time."}).encode())


def test_danbooru_skips_restricted_posts_but_pages_past_them():
    body = json.dumps([{"id": 9, "rating": "s", "tag_string": "a"},  # banned: no md5, no file_url
                       {"id": 8, "md5": "d" * 32, "file_url": "https://cdn/x.png", "rating": "s",
                        "tag_string": "a", "image_width": 10, "image_height": 10}]).encode()
    page = make_adapter("danbooru").parse_list(200, {}, body)
    assert [p.id for p in page.posts] == [8] and page.skipped == 1 and page.min_id == 8
    assert page.posts[0].rating == "sensitive"  # 's' means sensitive on Danbooru since 2022


def test_rating_vocabulary():
    assert normalise_rating("safe") == "general" and normalise_rating("e") == "explicit"
    assert normalise_rating("s", s_means="sensitive") == "sensitive" and normalise_rating(None) is None


def test_autocomplete_shapes():
    assert [s.tag for s in SAFE.parse_autocomplete(b'[{"label":"solo (123)","value":"solo"}]')] == ["solo"]
    assert SAFE.parse_autocomplete(b'[{"label":"solo (123)","value":"solo"}]')[0].count == 123
    gel = make_adapter("gelbooru").parse_autocomplete(
        b'[{"type":"tag","label":"cat ears","value":"cat_ears","post_count":"430787","category":"tag"}]')
    assert gel[0].tag == "cat_ears" and gel[0].count == 430787
    dan = make_adapter("danbooru").parse_autocomplete(
        b'[{"type":"tag-word","label":"hatsune miku","value":"hatsune_miku",'
        b'"category":4,"post_count":123456}]')
    assert dan[0].tag == "hatsune_miku" and dan[0].count == 123456
    moe = make_adapter("moebooru").parse_autocomplete(b'[{"name":"long_hair","count":5}]')
    assert moe[0].tag == "long_hair"


def test_credentials_never_print():
    from ganime_gui.core.boorus import Credentials
    assert "secret" not in repr(Credentials("42", "secret"))
