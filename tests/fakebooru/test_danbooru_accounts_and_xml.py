"""The danbooru profile: accounts (Basic auth or login/api_key), 451 takedowns, the 503 and 429
faults in Danbooru's error shape, /counts/posts.json and /posts.xml."""
import xml.etree.ElementTree as ET

import pytest
import requests

from ganime_gui.fakebooru import query
from ganime_gui.fakebooru.testing import running_fakebooru

FOUR = "solo+1girl+standing+full_body"


@pytest.fixture(scope="module")
def keyed():
    with running_fakebooru("danbooru", posts=60, seed=5, api_user="alice", api_key="k1") as server:
        yield server


def test_anonymous_keeps_the_two_tag_limit(http, keyed):
    r = http.get(keyed.base_url + f"/posts.json?tags={FOUR}")
    assert r.status_code == 422 and "more than 2 tags" in r.json()["message"]


@pytest.mark.parametrize("how", ["basic", "params"])
def test_gold_key_searches_six_tags(http, keyed, how):
    url = keyed.base_url + f"/posts.json?tags={FOUR}&limit=200"
    r = (http.get(url, auth=("alice", "k1")) if how == "basic"
         else http.get(url + "&login=alice&api_key=k1"))
    assert r.status_code == 200
    expected = [p.id for p in query.search(FOUR.replace("+", " "), keyed.dataset)]
    assert [p["id"] for p in r.json()] == expected
    seven = keyed.base_url + "/posts.json?tags=a+b+c+d+e+f+g"
    assert "more than 6 tags" in http.get(seven, auth=("alice", "k1")).json()["message"]


def test_wrong_key_is_401_in_danbooru_shape(http, keyed):
    for r in (http.get(keyed.base_url + "/posts.json", auth=("alice", "nope")),
              http.get(keyed.base_url + "/posts.json?login=alice&api_key=nope"),
              http.get(keyed.base_url + "/counts/posts.json?tags=solo", auth=("bob", "k1"))):
        assert r.status_code == 401
        assert r.json() == {"success": False, "error": "SessionLoader::AuthenticationFailure",
                            "message": "Invalid API key", "backtrace": []}
    half = http.get(keyed.base_url + "/posts.json?login=alice")
    assert half.status_code == 401 and half.json()["message"] == "Missing `login` or `api_key`"
    # files are not behind the key
    post = http.get(keyed.base_url + "/posts.json?limit=1").json()[0]
    assert http.get(post["file_url"], auth=("alice", "nope")).status_code == 200


def test_member_key_has_the_anonymous_limits():
    with running_fakebooru("danbooru", posts=10, api_user="m", api_key="k", api_level="member") as server:
        r = requests.get(server.base_url + f"/posts.json?tags={FOUR}", auth=("m", "k"))
        assert r.status_code == 422 and "more than 2 tags" in r.json()["message"]
        assert requests.get(server.base_url + "/posts.json?page=1001", auth=("m", "k")).status_code == 410


def test_gold_pages_deeper(http, keyed):
    assert http.get(keyed.base_url + "/posts.json?page=1001").status_code == 410
    assert http.get(keyed.base_url + "/posts.json?page=1001", auth=("alice", "k1")).json() == []
    r = http.get(keyed.base_url + "/posts.json?page=5001", auth=("alice", "k1"))
    assert r.status_code == 410 and r.json()["message"] == "You cannot go beyond page 5000."


def test_counts_endpoint(http, keyed):
    r = http.get(keyed.base_url + "/counts/posts.json?tags=solo")
    assert r.json() == {"counts": {"posts": len(query.search("solo", keyed.dataset))}}
    assert http.get(keyed.base_url + f"/counts/posts.json?tags={FOUR}").status_code == 422


def test_takedown_answers_451_for_the_post_and_its_files(http):
    with running_fakebooru("danbooru", posts=40, faults="takedown=0.3:seed=2") as server:
        listing = http.get(server.base_url + "/posts.json?limit=200").json()
        assert len(listing) == 40   # taken-down posts stay listed
        gone = [p for p in listing if server.faults.takedown(p["id"])]
        kept = [p for p in listing if not server.faults.takedown(p["id"])]
        assert gone and kept
        r = http.get(server.base_url + f"/posts/{gone[0]['id']}.json")
        assert r.status_code == 451
        assert r.json()["message"] == "This page has been removed because of a takedown request"
        assert http.get(gone[0]["file_url"]).status_code == 451
        assert http.get(gone[0]["preview_file_url"]).status_code == 200
        assert http.get(kept[0]["file_url"]).status_code == 200


def test_503_and_429_faults_use_danbooru_error_documents(http):
    with running_fakebooru("danbooru", posts=5, faults="503=1") as server:
        r = http.get(server.base_url + "/posts.json")
        assert r.status_code == 503 and r.headers["Content-Type"].startswith("application/json")
        assert r.json()["error"] == "PG::ConnectionBad"
        assert r.json()["message"] == "The database is unavailable. Try again later."
        server.set_faults("429=1:retry_after=4")
        r = http.get(server.base_url + "/posts.json")
        assert r.status_code == 429 and r.headers["Retry-After"] == "4"
        assert r.json()["error"] == "RateLimiter::RateLimitError"
        server.set_faults("challenge=1")     # Cloudflare's page stays Cloudflare's
        r = http.get(server.base_url + "/posts.json")
        assert r.status_code == 403 and r.headers["Server"] == "cloudflare"
    with running_fakebooru("safebooru", posts=5, faults="503=1") as server:
        r = http.get(server.base_url + "/index.php?page=dapi&s=post&q=index&json=1")
        assert r.status_code == 503 and r.text == "503 Service Unavailable"


def _posts_xml(http, base, params):
    r = http.get(base + "/posts.xml", params=params)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/xml")
    return ET.fromstring(r.content)


def test_posts_xml_is_the_json_listing_in_rails_xml(http, keyed):
    params = {"tags": "solo", "limit": 7, "page": 2}
    as_json = http.get(keyed.base_url + "/posts.json", params=params).json()
    root = _posts_xml(http, keyed.base_url, params)
    assert root.tag == "posts" and root.get("type") == "array"
    assert [int(p.findtext("id")) for p in root] == [p["id"] for p in as_json]
    first, real = root[0], as_json[0]
    assert first.find("id").get("type") == "integer"
    assert first.findtext("tag-string") == real["tag_string"]
    assert first.findtext("file-url") == real["file_url"]
    assert first.find("image-width").text == str(real["image_width"])
    assert first.find("is-deleted").get("type") == "boolean" and first.findtext("is-deleted") == "false"
    assert first.find("created-at").get("type") == "datetime"
    assert first.find("last-noted-at").get("nil") == "true"
    assert first.find("approver-id").attrib == {"type": "integer", "nil": "true"}
    variants = first.find("media-asset/variants")
    assert variants.get("type") == "array"
    assert [v.findtext("type") for v in variants] == [v["type"] for v in real["media_asset"]["variants"]]
    assert not any("_" in el.tag for el in first.iter())   # dashed names only
    cursor = _posts_xml(http, keyed.base_url, {"tags": "solo", "limit": 3, "page": f"b{as_json[0]['id']}"})
    assert [int(p.findtext("id")) for p in cursor] == [p["id"] for p in as_json[1:4]]


def test_posts_xml_empty_and_errors(http, keyed):
    empty = http.get(keyed.base_url + "/posts.xml?tags=no_such_tag")
    assert ET.fromstring(empty.content).get("type") == "array" and len(ET.fromstring(empty.content)) == 0
    r = http.get(keyed.base_url + f"/posts.xml?tags={FOUR}")
    assert r.status_code == 422 and r.headers["Content-Type"].startswith("text/xml")
    doc = ET.fromstring(r.content)
    assert doc.findtext("success") == "false" and doc.findtext("error") == "PostQuery::TagLimitError"
    r = http.get(keyed.base_url + "/posts.xml", auth=("alice", "bad"))
    assert r.status_code == 401 and ET.fromstring(r.content).findtext("message") == "Invalid API key"
    post_id = http.get(keyed.base_url + "/posts.json?limit=1").json()[0]["id"]
    one = http.get(keyed.base_url + f"/posts/{post_id}.xml")
    assert one.status_code == 200 and ET.fromstring(one.content).tag == "post"
    assert int(ET.fromstring(one.content).findtext("id")) == post_id
