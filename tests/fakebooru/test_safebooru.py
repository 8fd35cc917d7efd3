"""The safebooru profile: DAPI JSON/XML, HTML list pages, tags, autocomplete and files."""
import hashlib
import re
import xml.etree.ElementTree as ET

import pytest

from ganime_gui.fakebooru import query

DAPI = "/index.php?page=dapi&s=post&q=index"


@pytest.fixture(scope="module")
def booru():
    from ganime_gui.fakebooru.testing import running_fakebooru
    with running_fakebooru("safebooru", posts=260, seed=3) as server:
        yield server


def get(http, booru, path, **params):
    return http.get(booru.base_url + path, params=params, timeout=10)


def test_json_is_a_bare_array_of_posts_newest_first(http, booru):
    r = get(http, booru, DAPI, json=1, limit=5, tags="solo")
    posts = r.json()
    assert r.headers["Content-Type"].startswith("application/json")
    assert "\\/" in r.text  # PHP escapes slashes
    assert len(posts) == 5
    ids = [p["id"] for p in posts]
    assert ids == sorted(ids, reverse=True)
    assert all("solo" in p["tags"].split() for p in posts)
    assert all(isinstance(p["directory"], int) and p["score"] is None for p in posts)


def test_xml_count_is_exactly_the_matches_and_pages_add_up(http, booru):
    expected = query.search("solo standing", booru.dataset)
    seen = []
    for pid in range(10):
        root = ET.fromstring(get(http, booru, DAPI, limit=40, pid=pid, tags="standing solo").content)
        assert root.tag == "posts" and int(root.get("count")) == len(expected)
        assert int(root.get("offset")) == pid * 40
        if not len(root):
            break
        seen += [int(p.get("id")) for p in root]
    assert seen == [p.id for p in expected]


def test_xml_post_attributes_look_like_gelbooru_0_2(http, booru):
    root = ET.fromstring(get(http, booru, DAPI, limit=3).content)
    post = root[0].attrib
    assert post["rating"] in ("s", "q", "e")
    assert post["tags"].startswith(" ") and post["tags"].endswith(" ")
    assert post["has_children"] in ("true", "false") and post["has_notes"] == "false"
    assert re.fullmatch(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d -0500 \d{4}", post["created_at"])
    assert re.fullmatch(r"[0-9a-f]{32}", post["md5"])
    assert "directory" not in post and "image" not in post


def test_limit_is_capped_at_1000_and_pid_is_a_page_index(http, booru):
    assert len(get(http, booru, DAPI, json=1, limit=5000).json()) == 260
    page1 = get(http, booru, DAPI, json=1, limit=10, pid=1).json()
    every = get(http, booru, DAPI, json=1, limit=100).json()
    assert [p["id"] for p in page1] == [p["id"] for p in every[10:20]]


def test_plus_and_percent_20_both_separate_tags_in_any_order(http, booru):
    a = http.get(booru.base_url + DAPI + "&json=1&limit=200&tags=solo+chibi").json()
    b = http.get(booru.base_url + DAPI + "&json=1&limit=200&tags=chibi%20solo").json()
    assert a == b and a and all("chibi" in p["tags"].split() for p in a)


def test_id_below_works_from_pid_0_as_clients_fall_back_to(http, booru):
    posts = get(http, booru, DAPI, json=1, limit=30).json()
    below = get(http, booru, DAPI, json=1, limit=30, pid=0, tags=f"id:<{posts[9]['id']}").json()
    assert [p["id"] for p in below[:20]] == [p["id"] for p in posts[10:30]]


def test_single_post_by_id(http, booru):
    post = get(http, booru, DAPI, json=1, limit=1).json()[0]
    again = get(http, booru, DAPI, json=1, id=post["id"]).json()
    assert again == [post]
    assert get(http, booru, DAPI, json=1, id=1).text in ("[]", "")


def test_deep_offset_answers_the_xml_error_even_with_json(booru, http):
    booru.options.deep_limit = 100
    try:
        ok = get(http, booru, DAPI, json=1, limit=50, pid=2)   # offset 100: allowed
        deep = get(http, booru, DAPI, json=1, limit=50, pid=3)  # offset 150: too deep
    finally:
        booru.options.deep_limit = None
    assert ok.status_code == 200 and isinstance(ok.json(), list)
    root = ET.fromstring(deep.content)
    assert root.tag == "response" and root.get("success") == "false"
    assert "API limited due to abuse" in root.get("reason")


def test_files_by_md5_and_by_legacy_name_match_their_hash(http, booru):
    posts = get(http, booru, DAPI, json=1, limit=1000).json()
    legacy = [p for p in posts if len(p["image"].split(".")[0]) == 40]
    by_md5 = [p for p in posts if p["image"].split(".")[0] == p["hash"]]
    assert legacy and by_md5 and len(legacy) + len(by_md5) == len(posts)
    assert {p["image"].rsplit(".", 1)[1] for p in posts} == {"jpg", "png", "gif"}
    for post in legacy[:3] + by_md5[:3] + [p for p in posts if p["image"].endswith(".gif")][:2]:
        r = http.get(post["file_url"] + f"?{post['id']}")  # the query string is ignored
        assert r.status_code == 200
        assert hashlib.md5(r.content).hexdigest() == post["hash"]
        assert int(r.headers["Content-Length"]) == len(r.content)
        ext = post["image"].rsplit(".", 1)[1]
        assert r.headers["Content-Type"] == {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif"}[ext]


def test_a_wrong_extension_is_404_and_never_an_image_as_html(http, booru):
    post = next(p for p in get(http, booru, DAPI, json=1, limit=100).json() if p["image"].endswith(".png"))
    wrong = http.get(post["file_url"][:-4] + ".jpg")
    assert wrong.status_code == 404
    assert http.get(post["file_url"].replace("/images/", "/images/9999")).status_code == 404


def test_thumbnails_are_small_jpegs_and_samples_exist_only_for_wide_pictures(http, booru):
    from ganime_gui.fakebooru.testing import running_fakebooru
    with running_fakebooru(posts=30, seed=2, min_height=900, max_height=1400) as big:
        posts = http.get(big.base_url + DAPI + "&json=1&limit=30").json()
        wide = next(p for p in posts if p["sample"])
        narrow = next(p for p in posts if not p["sample"])
        r = http.get(wide["sample_url"])
        assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg"
        stem = narrow["image"].rsplit(".", 1)[0]
        assert http.get(f"{big.base_url}/samples/{narrow['directory']}/sample_{stem}.jpg").status_code == 404
        thumb = http.get(wide["preview_url"] + f"?{wide['id']}")
        assert thumb.headers["Content-Type"] == "image/jpeg" and len(thumb.content) < len(r.content)


def test_html_list_page_has_42_thumbs_one_per_line_and_pagination(http, booru):
    total = len(query.search("solo", booru.dataset))
    html = get(http, booru, "/index.php", page="post", s="list", tags="solo", pid=42).text
    thumb_lines = [line for line in html.splitlines() if 'class="thumb"' in line]
    assert len(thumb_lines) == 42
    assert all(line.count("<img ") == 1 for line in thumb_lines)
    ids = [int(m) for m in re.findall(r'<a id="p(\d+)"', html)]
    assert ids == [p.id for p in query.search("solo", booru.dataset)[42:84]]
    assert re.search(r'src="[^"]+/thumbnails/\d+/thumbnail_[0-9a-f]{32,40}\.jpg\?\d+"', html)
    assert '<div class="pagination">' in html and "<b>2</b>" in html
    last = re.search(r'pid=(\d+)" alt="last page"', html)
    assert int(last.group(1)) == (total - 1) // 42 * 42
    assert 'alt="next"' in html and "tag-type-general" in html


def test_html_thumbnail_links_lead_to_the_original(http, booru):
    # The old crawler turns a thumbnail URL into the original by renaming, then guesses the
    # extension until one answers 200.
    html = get(http, booru, "/index.php", page="post", s="list", tags="").text
    src = re.search(r'src="([^"]+)"', html.split('class="thumb"', 1)[1]).group(1)
    original = src.split("?")[0].replace("thumbnails", "images").replace("thumbnail_", "")
    answers = {ext: http.get(original.replace(".jpg", ext)).status_code
               for ext in (".jpg", ".png", ".jpeg", ".gif", ".webm")}
    assert sorted(answers.values()) == [200, 404, 404, 404, 404]


def test_html_beyond_the_deep_limit_says_so(http, booru):
    booru.options.deep_limit = 84
    try:
        html = get(http, booru, "/index.php", page="post", s="list", tags="", pid=126).text
    finally:
        booru.options.deep_limit = None
    assert "Unable to search this deep" in html and 'class="thumb"' not in html


def test_view_page_lists_tags_and_the_original(http, booru):
    post = get(http, booru, DAPI, json=1, limit=1).json()[0]
    html = get(http, booru, "/index.php", page="post", s="view", id=post["id"]).text
    assert post["file_url"] in html and 'id="tag-sidebar"' in html
    assert get(http, booru, "/index.php", page="post", s="view", id=1).status_code == 404


def test_autocomplete_and_dapi_tags(http, booru):
    hits = get(http, booru, "/autocomplete.php", q="so").json()
    assert hits and hits[0]["value"] == "solo" and hits[0]["label"].startswith("solo (")
    root = ET.fromstring(get(http, booru, "/index.php", page="dapi", s="tag", q="index",
                             name_pattern="%_hair", orderby="count", order="DESC").content)
    names = [t.get("name") for t in root]
    counts = [int(t.get("count")) for t in root]
    assert root.tag == "tags" and names and all(n.endswith("_hair") for n in names)
    assert counts == sorted(counts, reverse=True)
    data = get(http, booru, "/index.php", page="dapi", s="tag", q="index", json=1, names="solo chibi").json()
    assert {t["name"] for t in data["tag"]} == {"solo", "chibi"}
    assert data["tag"][0]["count"] == len(booru.dataset.tag_index()[data["tag"][0]["name"]])


def test_unknown_paths_are_404_and_stats_count_kinds(http, booru):
    before = dict(booru.stats.by_kind)
    assert get(http, booru, "/nothing").status_code == 404
    get(http, booru, "/autocomplete.php", q="a")
    assert booru.stats["other"] == before.get("other", 0) + 1
    assert booru.stats["autocomplete"] == before.get("autocomplete", 0) + 1


def test_a_file_url_from_an_earlier_run_is_found_by_drawing_only_its_directory(http):
    from ganime_gui.fakebooru.testing import running_fakebooru
    with running_fakebooru(posts=300, seed=5) as first:
        post = get(http, first, DAPI, json=1, limit=1, pid=10).json()[0]
        assert post["image"].startswith(post["hash"])  # named by md5, not a legacy name
    with running_fakebooru(posts=300, seed=5) as second:
        r = http.get(post["file_url"].replace(first.base_url, second.base_url))
        assert hashlib.md5(r.content).hexdigest() == post["hash"]
        assert second.dataset.drawn() <= 100  # one directory drawn, not the whole catalogue


def test_the_old_crawlers_line_regex_finds_every_legacy_thumb(http):
    # LittleJake/animate-image-crawler: a greedy regex per line, which only works with one
    # thumbnail per line, over pages stepped by 40 although they hold 42.
    from ganime_gui.fakebooru.testing import running_fakebooru
    url_reg = re.compile(r'src="(.+[A-Za-z0-9]{40}.jpg\?\d+)"')
    with running_fakebooru(posts=100, seed=6) as old:  # the oldest 40 % are legacy-named
        html = get(http, old, "/index.php", page="post", s="list", tags="", pid=80).text
        found = [m.group(1) for line in html.splitlines() if (m := url_reg.search(line))]
        legacy = [p for p in query.search("", old.dataset)[80:122] if p.legacy_name]
        assert len(found) == len(legacy) > 0
        assert all(u.startswith(old.base_url + "/thumbnails/") and " " not in u for u in found)


def test_urls_can_be_built_from_directory_and_image(http, booru):
    for post in get(http, booru, DAPI, json=1, limit=200).json()[::20]:
        stem = post["image"].rsplit(".", 1)[0]
        assert post["file_url"] == f"{booru.base_url}/images/{post['directory']}/{post['image']}"
        assert post["preview_url"] == f"{booru.base_url}/thumbnails/{post['directory']}/thumbnail_{stem}.jpg"


def test_head_gives_the_length_without_the_body(http, booru):
    post = get(http, booru, DAPI, json=1, limit=1).json()[0]
    head = http.head(post["file_url"])
    full = http.get(post["file_url"])
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["Content-Length"]) == len(full.content)
