"""Realistic timing: no Nagle stalls on keep-alive, per-request latency, a per-connection cap."""
import statistics
import threading
import time

import requests

from ganime_gui.fakebooru.testing import running_fakebooru


def timed_get(session, url) -> float:
    start = time.perf_counter()
    r = session.get(url, timeout=10)
    assert r.status_code == 200
    return time.perf_counter() - start


def test_keep_alive_responses_have_no_40ms_nagle_stall():
    with running_fakebooru(posts=20) as booru, requests.Session() as s:
        url = booru.base_url + "/index.php?page=dapi&s=post&q=index&json=1&limit=2"
        timed_get(s, url)
        times = [timed_get(s, url) for _ in range(25)]
    assert statistics.median(times) < 0.025, times  # a Nagle stall is about 40 ms


def test_latency_delays_every_answer_and_changes_at_run_time():
    with running_fakebooru(posts=5) as booru, requests.Session() as s:
        url = booru.base_url + "/autocomplete.php?q=s"
        booru.latency_ms = 150
        slow = timed_get(s, url)
        booru.latency_ms = 0
        fast = timed_get(s, url)
    assert slow >= 0.15 and fast < 0.1


def test_bandwidth_cap_is_per_connection_so_concurrency_pays():
    with running_fakebooru(posts=5, min_height=500, max_height=600) as booru:
        post = requests.get(booru.base_url + "/index.php?page=dapi&s=post&q=index&json=1&limit=5").json()
        big = max(post, key=lambda p: p["width"] * p["height"])
        size = len(requests.get(big["file_url"]).content)
        booru.bandwidth_kbps = size * 8 / 1000 / 0.3  # about 0.3 s per download
        one = timed_get(requests, big["file_url"])
        results = []
        threads = [threading.Thread(target=lambda: results.append(timed_get(requests, big["file_url"])))
                   for _ in range(3)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        three = time.perf_counter() - start
    assert 0.25 <= one < 1.5
    assert len(results) == 3 and three < 2 * one  # three at once take about as long as one


def test_many_clients_at_once_all_get_answers():
    with running_fakebooru(posts=100) as booru:
        url = booru.base_url + "/index.php?page=dapi&s=post&q=index&json=1&limit=100"
        posts = requests.get(url).json()
        codes = []
        threads = [threading.Thread(target=lambda u=p["file_url"]: codes.append(requests.get(u).status_code))
                   for p in posts[:40]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert codes == [200] * 40
    assert booru.stats["file"] == 40
