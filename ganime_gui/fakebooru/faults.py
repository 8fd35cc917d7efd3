"""Faults the fake booru can inject, each switchable on its own and seeded.

Spec syntax: comma-separated items ``name[=value][:key=value...]``; ``value`` sets the fault's
main parameter. Example: ``429=5:retry_after=2,truncate=0.2,empty_page=1,directory_string,seed=3``.

=================  =====================================================================  ===========
name               what it does                                                            main param
=================  =====================================================================  ===========
429                every Nth request answers 429 with ``Retry-After: retry_after`` (1 s)   every
503                every Nth request answers 503 Service Unavailable                       every
challenge          every Nth request answers a Cloudflare challenge (403,                  every
                   ``Server: cloudflare``, ``cf-mitigated: challenge``, challenge HTML)
drop               every Nth request closes the connection without an answer               every
slow               every Nth request waits ``ms`` (3000) before answering                  every
empty_page         the result page with 0-based index K comes back empty its first         page
                   ``times`` (1) requests, though more results exist (offset and keyset
                   paging alike: with ``id:<N`` the page index counts the posts above N)
truncate           that fraction of files send half their bytes, then close, on their      fraction
                   first ``times`` (1) requests (Content-Length stays the full size)
bad_md5            that fraction of files are served with other bytes than their md5      fraction
hostile_name       that fraction of posts carry a hostile file name (``../``, absolute)     fraction
takedown           that fraction of posts are taken down (Danbooru: their page and files   fraction
                   answer 451 Unavailable For Legal Reasons; they stay in the listing)
bomb               that fraction of files are decompression bombs: a 140 KB PNG that     fraction
                   claims 12000 x 12000 pixels (the listing's md5 is the bomb's)
not_image          that fraction of files are HTML served as ``image/png``              fraction
file_url           that fraction of posts list ``file:///etc/passwd`` as their file      fraction
redirect_file      that fraction of files answer 302 to ``file:///etc/passwd``          fraction
redirect_loop      that fraction of files answer 302 to their own address, for ever      fraction
repost             that fraction of posts are exact reposts: the same bytes (and md5)    fraction
                   as the post just before them
oversized          the result page with 0-based index K is padded past ``mb`` (40) MiB   page
endless            the result page K never ends (bytes until the client hangs up)       page
deep_json          the result page K is JSON nested ``depth`` (100000) levels deep      page
directory_string   JSON ``directory`` is a string ("539") as in older Gelbooru responses   flag
empty_body         an empty result is an empty body instead of ``[]``                      flag
post_object        Gelbooru envelope: a single result is an object, not a list            flag
=================  =====================================================================  ===========

``on=api|files|all`` picks which requests the every-Nth faults count (default ``api``: list
pages, API calls, autocomplete; ``drop`` and ``slow`` default to ``all``); ``ua=browser`` counts
only requests with a browser-like User-Agent (``Mozilla/...``), as Danbooru's Cloudflare
challenges those and lets tool agents through (``challenge=1:ua=browser``). ``seed=S`` seeds
the fraction-based choices.
"""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from ganime_gui.core.jobs import UserError

EVERY_N = ("429", "503", "challenge", "drop", "slow")
FRACTION = ("truncate", "bad_md5", "hostile_name", "takedown", "bomb", "not_image", "file_url",
            "redirect_file", "redirect_loop", "repost")
PAGE_FAULTS = ("empty_page", "oversized", "endless", "deep_json")
FLAGS = ("directory_string", "empty_body", "post_object")
MAIN_PARAM = {**{n: "every" for n in EVERY_N}, **{n: "fraction" for n in FRACTION},
              **{n: "page" for n in PAGE_FAULTS}}
DEFAULTS = {"429": {"retry_after": 1, "on": "api"}, "503": {"on": "api"},
            "challenge": {"on": "api"}, "drop": {"on": "all"}, "slow": {"ms": 3000, "on": "all"},
            "empty_page": {"times": 1}, "truncate": {"times": 1}, "oversized": {"times": 1, "mb": 40},
            "endless": {"times": 1}, "deep_json": {"times": 1, "depth": 100_000}}
KNOWN = (*EVERY_N, *FRACTION, *FLAGS, *PAGE_FAULTS)

CHALLENGE_HTML = (
    "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>"
    "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">"
    "</head><body><div class=\"main-wrapper\" role=\"main\"><div class=\"main-content\">"
    "<h1>Verifying you are human. This may take a few seconds.</h1></div></div>"
    "<script>(function(){window._cf_chl_opt={cvId: '3',cZone: 'safebooru.org',cType: 'managed',"
    "cRay: '8c1f0e9a1b2c3d4e'};}());</script></body></html>")


def parse_spec(spec: str | None) -> dict[str, dict]:
    """``{fault name: {param: value}}`` from a spec string; ``seed`` is under key ``"seed"``."""
    out: dict[str, dict] = {}
    for item in (spec or "").split(","):
        item = item.strip()
        if not item:
            continue
        head, *params = item.split(":")
        name, _, value = head.partition("=")
        name = name.strip()
        if name == "seed":
            out["seed"] = {"value": _number(value, item)}
            continue
        if name not in KNOWN:
            raise UserError(f"Unknown fault {name!r} in {spec!r}. Known faults: {', '.join(KNOWN)}.")
        conf = dict(DEFAULTS.get(name, {}))
        if value:
            conf[MAIN_PARAM.get(name, "value")] = _number(value, item)
        for p in params:
            key, sep, v = p.partition("=")
            if not sep:
                raise UserError(f"Fault parameter {p!r} in {item!r} needs the form key=value.")
            conf[key.strip()] = v.strip() if key.strip() in ("on", "ua") else _number(v, item)
        if (name in EVERY_N and conf.get("every", 1) < 1
                or name in MAIN_PARAM and MAIN_PARAM[name] not in conf):
            raise UserError(f"Fault {item!r} needs a value, e.g. {name}=3.")
        if conf.get("on", "api") not in ("api", "files", "all"):
            raise UserError(f"Fault {item!r}: 'on' must be api, files or all.")
        if conf.get("ua", "browser") != "browser":
            raise UserError(f"Fault {item!r}: 'ua' can only be browser.")
        out[name] = conf
    return out


def _number(text: str, item: str):
    try:
        value = float(text)
    except ValueError:
        raise UserError(f"Fault {item!r}: {text!r} is not a number.") from None
    return int(value) if value.is_integer() and "." not in text else value


@dataclass
class Refusal:
    """What to do instead of the normal answer."""
    status: int = 0                 # an HTTP status to answer with, or 0
    headers: tuple = ()
    body: bytes = b""
    drop: bool = False              # close the connection without answering
    delay_s: float = 0.0            # wait before the normal answer


class Faults:
    """The active faults of one server, changeable at run time with :meth:`set`."""

    def __init__(self, spec: str | None = None):
        self._lock = threading.Lock()
        self.set(spec)

    def set(self, spec: str | None) -> None:
        conf = parse_spec(spec)
        with self._lock:
            self.spec = spec or ""
            self.seed = conf.pop("seed", {"value": 0})["value"]
            self.conf = conf
            self._counts: dict[str, int] = {}
            self._seen: dict[tuple, int] = {}

    def flag(self, name: str) -> bool:
        return name in self.conf

    def before_request(self, kind: str, user_agent: str = "") -> Refusal | None:
        """Count this request (``kind`` is "api" or "files") against the every-Nth faults."""
        browser = user_agent.startswith("Mozilla/")
        with self._lock:
            for name in EVERY_N:
                conf = self.conf.get(name)
                if conf is None or conf["on"] not in (kind, "all"):
                    continue
                if conf.get("ua") == "browser" and not browser:
                    continue
                n = self._counts[name] = self._counts.get(name, 0) + 1
                if n % int(conf["every"]):
                    continue
                if name == "429":
                    return Refusal(429, (("Retry-After", str(conf["retry_after"])),),
                                   b"429 Too Many Requests")
                if name == "503":
                    return Refusal(503, (("Retry-After", "1"),), b"503 Service Unavailable")
                if name == "challenge":
                    return Refusal(403, (("Server", "cloudflare"), ("cf-mitigated", "challenge"),
                                         ("Content-Type", "text/html; charset=UTF-8")),
                                   CHALLENGE_HTML.encode())
                if name == "drop":
                    return Refusal(drop=True)
                return Refusal(delay_s=conf["ms"] / 1000)
        return None

    def _first_times(self, name: str, key: tuple) -> bool:
        """True for the first ``times`` calls with this key."""
        with self._lock:
            n = self._seen[(name, *key)] = self._seen.get((name, *key), 0) + 1
            return n <= int(self.conf[name].get("times", 1))

    def _chosen(self, name: str, post_id: int) -> bool:
        conf = self.conf.get(name)
        return conf is not None and random.Random(f"{self.seed}:{name}:{post_id}").random() < conf["fraction"]

    def empty_page(self, query_key: str, page_index: int) -> bool:
        return self.page_fault("empty_page", query_key, page_index)

    def page_fault(self, name: str, query_key: str, page_index: int) -> bool:
        """True when the page fault ``name`` hits this page of this query (its first times)."""
        conf = self.conf.get(name)
        return (conf is not None and page_index == conf["page"]
                and self._first_times(name, (query_key, page_index)))

    def list_body_fault(self, query_key: str, page_index: int) -> tuple[str, dict] | None:
        """(name, its settings) of the oversized / endless / deep_json fault hitting this page."""
        for name in ("oversized", "endless", "deep_json"):
            if self.page_fault(name, query_key, page_index):
                return name, self.conf[name]
        return None

    def chosen(self, name: str, post_id: int) -> bool:
        """Whether the fraction fault ``name`` picks this post (seeded, the same every time)."""
        return self._chosen(name, post_id)

    def truncate(self, post_id: int) -> bool:
        return self._chosen("truncate", post_id) and self._first_times("truncate", (post_id,))

    def bad_md5(self, post_id: int) -> bool:
        return self._chosen("bad_md5", post_id)

    def takedown(self, post_id: int) -> bool:
        return self._chosen("takedown", post_id)

    def hostile_name(self, post_id: int, name: str) -> str:
        """``name`` or, for chosen posts, a path-escaping variant of it."""
        if not self._chosen("hostile_name", post_id):
            return name
        return f"../../../../tmp/{name}" if post_id % 2 else f"/etc/{name}"
