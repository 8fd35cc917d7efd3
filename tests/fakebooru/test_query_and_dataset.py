"""The tag query language and the seeded catalogue, without a server."""
import time

import pytest

from ganime_gui.fakebooru import query
from ganime_gui.fakebooru.dataset import Dataset


@pytest.fixture(scope="module")
def data():
    return Dataset(400, seed=9, min_height=96, max_height=160)


def ids(posts):
    return [p.id for p in posts]


def test_and_of_tags_and_negation(data):
    both = query.search("solo chibi", data)
    assert both and all({"solo", "chibi"} <= set(p.tags) for p in both)
    assert len(both) == len(data.tag_index()["solo"] & data.tag_index()["chibi"])
    without = query.search("solo -chibi", data)
    assert without and all("chibi" not in p.tags for p in without)
    assert len(both) + len(without) == len(data.tag_index()["solo"])


def test_terms_are_an_unordered_set_case_and_repeats_ignored(data):
    assert ids(query.search("chibi solo", data)) == ids(query.search("SOLO chibi solo", data))


def test_default_order_is_newest_first_and_sort_id_asc_reverses(data):
    newest = ids(query.search("", data))
    assert newest == sorted(newest, reverse=True) == ids(query.search("sort:id", data))
    assert ids(query.search("sort:id:asc", data)) == newest[::-1]
    assert ids(query.search("order:id_asc", data)) == newest[::-1]
    scores = [p.score for p in query.search("sort:score", data)]
    assert scores == sorted(scores, reverse=True)


def test_id_and_size_comparisons(data):
    pivot = data.posts[200].id
    assert all(p.id < pivot for p in query.search(f"id:<{pivot}", data))
    assert len(query.search(f"id:<{pivot}", data)) == 200
    assert len(query.search(f"id:<={pivot}", data)) == 201
    assert ids(query.search(f"id:{pivot}", data)) == [pivot]
    assert len(query.search(f"id:>{pivot}", data)) == 199
    wide = query.search("width:>=110", data)
    assert wide and all(p.width >= 110 for p in wide)
    assert len(wide) == sum(1 for p in data.posts if p.width >= 110)


def test_ratings_with_aliases_and_negation(data):
    general = query.search("rating:general", data)
    assert general and all(p.rating == "general" for p in general)
    assert ids(general) == ids(query.search("rating:safe", data)) == ids(query.search("rating:g", data))
    others = query.search("-rating:general", data)
    assert len(general) + len(others) == 400
    assert ids(query.search("rating:s", data)) == ids(query.search("rating:sensitive", data))


def test_unknown_meta_terms_match_nothing_and_tag_limit_counting():
    assert query.search("foo:bar", Dataset(20, seed=1)) == []
    assert query.parse("a b rating:g sort:id").counted_terms() == 2
    assert query.parse("a b -c").counted_terms() == 3


def test_catalogue_is_seeded_and_varied():
    a, b, c = Dataset(50, seed=1), Dataset(50, seed=1), Dataset(50, seed=2)
    assert [(p.id, p.tags, p.width) for p in a.posts] == [(p.id, p.tags, p.width) for p in b.posts]
    assert [p.tags for p in a.posts] != [p.tags for p in c.posts]
    assert a.md5(a.posts[3]) == b.md5(b.posts[3])
    assert {p.ext for p in Dataset(200, seed=1).posts} == {"jpg", "png", "gif"}


def test_post_tags_agree_with_the_picture_ground_truth(data):
    # Tag noise may drop a true tag, never add a false one.
    for p in data.posts:
        if "chibi" in p.tags:
            assert p.spec.chibi
        if {"1girl", "solo"} & set(p.tags):
            assert p.spec.n_characters == 1
        if "upper_body" in p.tags:
            assert p.spec.crop == "upper"
    chibi = [p for p in data.posts if p.spec.chibi]
    assert sum("chibi" in p.tags for p in chibi) >= 0.9 * len(chibi)


def test_default_sizes_are_500_to_1500_tall_and_20000_posts_build_quickly():
    start = time.perf_counter()
    big = Dataset(20000, seed=1)
    # Nothing is drawn before it is needed: drawing 20 000 pictures would take minutes.
    assert time.perf_counter() - start < 2.0
    sample = big.posts[::500]
    assert all(500 <= p.height <= 1500 for p in sample)
    assert big.by_id(big.posts[123].id) is big.posts[123]


def test_lookup_by_md5_and_legacy_name(data):
    legacy = next(p for p in data.posts if p.legacy_name)
    modern = next(p for p in reversed(data.posts) if not p.legacy_name)
    assert data.by_stem(legacy.legacy_name) is legacy
    assert data.by_stem(data.md5(modern)) is modern
    assert data.by_stem(data.md5(legacy)) is None  # a legacy-named file is not served by md5
    fresh = Dataset(400, seed=9, min_height=96, max_height=160)
    assert fresh.by_md5(data.md5(modern)).id == modern.id  # found without a listing first


def test_near_duplicate_posts_share_their_originals_ground_truth_and_size():
    data = Dataset(600, seed=4, min_height=64, max_height=80)
    dups = [p for p in data.posts if p.duplicate_of >= 0]
    assert dups
    for p in dups:
        src = data.posts[p.duplicate_of]
        assert p.spec == src.spec and (p.width, p.height) == (src.width, src.height)
        assert data.parent_id(p) == src.id and data.has_children(src)
        assert data.md5(p) != data.md5(src)


def test_tag_types_are_consistent():
    data = Dataset(300, seed=2)
    data.posts
    assert data.tag_type("highres") == 5 and data.tag_type("original") == 3
    assert data.tag_type("solo") == 0 and data.tag_type("hatsune_miku") == 4
