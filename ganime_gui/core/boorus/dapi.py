"""Gelbooru 0.2 "DAPI" shapes, shared by safebooru.org and gelbooru.com.

One post can arrive as a JSON object (bare array on safebooru.org, ``{"@attributes", "post"}``
envelope on gelbooru.com) or as an XML ``<post .../>`` element with attributes; the fields differ
(``hash`` vs ``md5``, word vs letter ratings, ``directory`` int or string, URLs missing in old
versions). Everything here turns those into one :class:`Post`.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from .base import (BadResponse, DeepPagingRefused, Page, Post, SiteAdapter, clean_md5, ext_of,
                   load_json, min_entry_id, normalise_rating, split_tags, to_bool, to_int)

DAPI_PATH = "index.php"


def dapi_params(kind: str = "post", **extra: Any) -> dict:
    params = {"page": "dapi", "s": kind, "q": "index"}
    params.update({k: v for k, v in extra.items() if v is not None})
    return params


def keyset_tags(tags: list[str], before_id: int | None) -> str:
    """The query with ``id:<N`` appended: keyset paging keeps pid at 0, under every depth cap."""
    out = list(tags)
    if before_id is not None:
        out.append(f"id:<{before_id}")
    return " ".join(out)


def parse_xml(body: bytes):
    """Parse XML safely: entity bombs and external entities are refused, not expanded."""
    try:
        return SafeET.fromstring(body)
    except DefusedXmlException as exc:
        raise BadResponse(f"The site sent XML with forbidden entities ({type(exc).__name__}); "
                          f"refused to parse it.") from exc
    except SafeET.ParseError as exc:
        raise BadResponse(f"The site sent broken XML: {body[:120]!r}") from exc


def is_xml(body: bytes) -> bool:
    return body.lstrip()[:1] == b"<" and not is_html(body)


def is_html(body: bytes) -> bool:
    head = body.lstrip()[:200].lower()
    return head.startswith(b"<!doctype html") or head.startswith(b"<html")


def raise_for_error_document(root) -> None:
    """``<response success="false" reason="..."/>``: the DAPI's error form (even with json=1)."""
    if root.tag == "response" and str(root.get("success", "")).lower() == "false":
        reason = root.get("reason") or root.text or "unknown error"
        if re.search(r"too deep|limited due to abuse|search this deep", reason, re.I):
            raise DeepPagingRefused(f"The site refuses to page this deep: {reason}")
        raise BadResponse(f"The site reported an error: {reason}")


def parse_dapi_body(adapter: SiteAdapter, body: bytes) -> Page:
    """Any DAPI posts body: bare JSON array, envelope, single object, XML, empty, error."""
    stripped = body.strip()
    if not stripped:
        return Page([], None, 0)
    if stripped.startswith(b"Too deep"):
        raise DeepPagingRefused(
            f"The site refuses to page this deep: {stripped[:80].decode('utf-8', 'replace')}")
    if is_html(stripped):
        raise BadResponse("The site sent an HTML page where the API answer should be.")
    if is_xml(stripped):
        return parse_xml_posts(adapter, stripped)
    data = load_json(stripped)
    total = None
    if isinstance(data, dict) and "@attributes" in data:
        total = to_int(data["@attributes"].get("count"))
        data = data.get("post", [])
    elif isinstance(data, dict) and data.get("success") is False:
        raise BadResponse(f"The site reported an error: {data.get('message') or data.get('reason')}")
    if isinstance(data, dict):  # a single post instead of a list
        data = [data]
    if data is None:
        data = []
    if not isinstance(data, list):
        raise BadResponse(f"Unexpected answer from the site: {stripped[:120]!r}")
    return _page(adapter, [d for d in data if isinstance(d, dict)], total)


def parse_xml_posts(adapter: SiteAdapter, body: bytes) -> Page:
    root = parse_xml(body)
    raise_for_error_document(root)
    if root.tag != "posts":
        raise BadResponse(f"Unexpected XML from the site: <{root.tag}>")
    entries = [dict(el.attrib) for el in root.iter("post")]
    return _page(adapter, entries, to_int(root.get("count")))


def parse_xml_count(body: bytes) -> int | None:
    stripped = body.strip()
    if not stripped:
        return 0
    root = parse_xml(stripped)
    raise_for_error_document(root)
    return to_int(root.get("count"))


def _page(adapter: SiteAdapter, entries: list[dict], total: int | None) -> Page:
    posts = []
    for entry in entries:
        post = dapi_post(adapter, entry)
        if post is not None:
            posts.append(post)
    return Page(posts, total, raw_count=len(entries), skipped=len(entries) - len(posts),
                min_id=min_entry_id(entries))


def dapi_post(adapter: SiteAdapter, d: Mapping[str, Any]) -> Post | None:
    post_id = to_int(d.get("id"))
    if post_id is None:
        return None
    md5 = clean_md5(d.get("md5") or d.get("hash"))
    directory = d.get("directory")
    directory = None if directory in (None, "") else str(directory).strip("/")
    image = d.get("image")
    stem = image.rsplit(".", 1)[0] if image else None
    file_url = adapter.absolute(d.get("file_url"))
    if not file_url and directory and image:
        file_url = adapter.url(f"images/{directory}/{image}")
    has_sample = to_bool(d.get("sample")) if "sample" in d else bool(d.get("sample_url"))
    sample_url = adapter.absolute(d.get("sample_url"))
    if not sample_url and has_sample and directory and stem:
        sample_url = adapter.url(f"samples/{directory}/sample_{stem}.jpg")
    preview_url = adapter.absolute(d.get("preview_url"))
    if not preview_url and directory and stem:
        preview_url = adapter.url(f"thumbnails/{directory}/thumbnail_{stem}.jpg")
    if not file_url:
        return None
    sample_w, sample_h = to_int(d.get("sample_width")), to_int(d.get("sample_height"))
    if sample_url == file_url:
        sample_url = None
    if not sample_url or not sample_w or not sample_h:
        sample_w = sample_h = None
    return Post(
        site=adapter.site_key, id=post_id, md5=md5, tags=split_tags(d.get("tags")),
        rating=normalise_rating(d.get("rating")),
        width=to_int(d.get("width")), height=to_int(d.get("height")),
        file_url=file_url, sample_url=sample_url, sample_width=sample_w, sample_height=sample_h,
        preview_url=preview_url, source=(d.get("source") or None),
        created_at=(str(d["created_at"]) if d.get("created_at")
                    else (str(d["change"]) if d.get("change") else None)),
        score=to_int(d.get("score")), file_ext=ext_of(file_url),
    )
