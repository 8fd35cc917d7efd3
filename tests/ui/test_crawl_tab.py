"""The Crawl tab: typing tags with suggestions, starting, pausing, resuming, stopping, resuming a
past crawl; all against the fake booru."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton

from ganime_gui.core.project import Project
from ganime_gui.ui import crawl_tab as crawl_tab_module
from ganime_gui.ui.crawl_tab import CrawlTab

from ui_helpers import close_tab, open_tab, qasync_loop


@pytest.fixture
def app_loop(qapp):
    """The app's qasync loop, as ``ganime_gui.app`` installs it: lookups and thumbnails run as
    asyncio tasks on it while pytest-qt spins the Qt event loop."""
    with qasync_loop(qapp) as loop:
        yield loop


@pytest.fixture
def tab(qtbot, tmp_path, app_loop, monkeypatch):
    widget = open_tab(qtbot, CrawlTab, Project.create(tmp_path / "project"))
    # A crawl without tags asks first; these tests mean it (the fake has few posts).
    monkeypatch.setattr(widget, "ask_about_no_tags", lambda: crawl_tab_module.CRAWL_ALL)
    yield widget
    close_tab(widget)


def _point_at(tab, booru):
    tab.set_base_url(booru.base_url)
    tab.delay.setValue(0)
    tab.form.per_host.setValue(4)
    tab.min_height.setValue(0)
    tab.size_original.setChecked(True)
    for cb in tab.rating_checks.values():
        cb.setChecked(True)
    for cb in tab.type_checks.values():
        cb.setChecked(True)


def _images(tab):
    return [p for p in tab.context.project.images_dir.iterdir() if not p.name.startswith(".")]


def test_typing_tags_gives_chips_and_suggestions(tab, qtbot, fakebooru):
    booru = fakebooru("safebooru", posts=60)
    _point_at(tab, booru)
    tab.tags.edit.setFocus()
    qtbot.keyClicks(tab.tags.edit, "so")
    # Suggestions arrive from the site's autocomplete.php without blocking typing.
    qtbot.waitUntil(lambda: "solo" in tab.tags.model.stringList(), timeout=5000)
    assert booru.stats["autocomplete"] >= 1
    qtbot.keyClicks(tab.tags.edit, "lo")
    qtbot.keyClick(tab.tags.edit, Qt.Key.Key_Return)
    qtbot.keyClicks(tab.tags.edit, "-chibi ")
    assert tab.tags.include_tags() == ["solo"] and tab.tags.exclude_tags() == ["chibi"]
    assert tab.tags.edit.text() == ""
    [chip] = [c for c in tab.tags.chips.findChildren(QToolButton) if c.objectName() == "chip:-chibi"]
    chip.click()
    assert tab.tags.exclude_tags() == []
    q = tab.query()
    assert q.tags == ["solo"] and q.size == "original"


def test_start_pause_resume_to_the_end(tab, qtbot, fakebooru):
    booru = fakebooru("safebooru", posts=120)
    booru.latency_ms = 10
    _point_at(tab, booru)
    tab.concurrency.setValue(2)
    qtbot.keyClicks(tab.tags.edit, "solo")
    qtbot.keyClick(tab.tags.edit, Qt.Key.Key_Return)
    qtbot.mouseClick(tab.start_button, Qt.MouseButton.LeftButton)
    assert tab.worker is not None and not tab.start_button.isEnabled()
    qtbot.waitUntil(lambda: len(_images(tab)) >= 10, timeout=20000)

    qtbot.mouseClick(tab.pause_button, Qt.MouseButton.LeftButton)
    assert tab.pause_button.text() == "Resume"
    qtbot.wait(400)                          # downloads already running may finish...
    paused_count = len(_images(tab))
    requests_paused = booru.stats.total
    qtbot.wait(600)                          # ...but nothing new starts while paused
    assert len(_images(tab)) == paused_count and booru.stats.total == requests_paused

    qtbot.mouseClick(tab.pause_button, Qt.MouseButton.LeftButton)
    assert tab.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: tab.worker is None, timeout=30000)
    expected = sum(1 for p in booru.dataset.posts if "solo" in p.tags)
    assert len(_images(tab)) == expected
    assert "Done:" in tab.log_view.toPlainText()
    assert f"downloaded {expected}" in tab.counts_label.text()
    assert tab.strip.count() > 0
    assert tab.past.rowCount() == 1 and tab.past.item(0, 3).text() == "done"


def test_stop_then_resume_from_past_crawls(tab, qtbot, fakebooru):
    booru = fakebooru("safebooru", posts=150)
    booru.latency_ms = 10
    _point_at(tab, booru)
    tab.concurrency.setValue(2)
    tab.start()
    qtbot.waitUntil(lambda: len(_images(tab)) >= 10, timeout=20000)
    tab.stop()
    qtbot.waitUntil(lambda: tab.worker is None, timeout=20000)
    assert "Stopped by the user" in tab.log_view.toPlainText()
    assert tab.past.rowCount() == 1 and tab.past.item(0, 3).text() == "stopped"
    assert len(_images(tab)) < 150
    tab.past.selectRow(0)
    qtbot.mouseClick(tab.resume_button, Qt.MouseButton.LeftButton)
    assert tab.worker is not None
    qtbot.waitUntil(lambda: tab.worker is None, timeout=30000)
    assert len(_images(tab)) == 150
    assert tab.past.item(0, 3).text() == "done"


def test_blocked_crawl_says_why(tab, qtbot, fakebooru):
    booru = fakebooru("gelbooru", posts=20)
    tab.site_combo.setCurrentIndex(tab.site_combo.findData("gelbooru"))
    _point_at(tab, booru)
    errors = []
    tab.context.error_raised.connect(lambda title, msg: errors.append(msg))
    tab.start()
    qtbot.waitUntil(lambda: tab.worker is None, timeout=10000)
    assert errors and "API key" in errors[0]
    assert "Blocked" in tab.log_view.toPlainText()


def test_import_a_folder(tab, qtbot, tmp_path):
    from PIL import Image
    folder = tmp_path / "old"
    folder.mkdir()
    for i, color in enumerate(("red", "green", "blue")):
        Image.new("RGB", (20, 40), color).save(folder / f"{i:040x}.png")
    tab.import_folder(str(folder))
    qtbot.waitUntil(lambda: tab.worker is None, timeout=10000)
    assert len(_images(tab)) == 3
    assert "Imported 3 images" in tab.log_view.toPlainText()


def test_typing_never_waits_for_a_slow_site(tab, qtbot, fakebooru):
    import time
    booru = fakebooru("safebooru", posts=30)
    booru.latency_ms = 1500          # every suggestion takes 1.5 s to arrive
    _point_at(tab, booru)
    tab.tags.edit.setFocus()
    t0 = time.monotonic()
    for ch in "solo":
        qtbot.keyClicks(tab.tags.edit, ch)
        qtbot.wait(260)              # longer than the debounce: each pause starts a lookup
    # Blocking on the site would cost 1.5 s per lookup, at least 3 lookups: well over 4 s.
    assert time.monotonic() - t0 < 4.0
    assert tab.tags.edit.text() == "solo"
    qtbot.waitUntil(lambda: "solo" in tab.tags.model.stringList(), timeout=6000)


def test_no_tags_asks_first_and_offers_the_seed_tags(tab, qtbot, fakebooru, monkeypatch):
    booru = fakebooru("safebooru", posts=20)
    _point_at(tab, booru)
    asked = []
    monkeypatch.setattr(tab, "ask_about_no_tags", lambda: asked.append(1) or crawl_tab_module.CANCEL)
    tab.start()
    assert asked and tab.worker is None and booru.stats.total == 0
    monkeypatch.setattr(tab, "ask_about_no_tags", lambda: crawl_tab_module.USE_SEED)
    tab.start()
    assert tab.tags.include_tags() == list(crawl_tab_module.SEED_TAGS)
    qtbot.waitUntil(lambda: tab.worker is None, timeout=20000)
    assert "full_body" in tab.past.item(0, 2).text()


def test_six_chips_wrap_inside_the_panel(tab, qtbot):
    before = tab.form.width()
    tab.tags.set_tags(["full_body", "solo", "standing", "1girl", "white_background",
                       "long_hair", "smile", "looking_at_viewer"], ["chibi"])
    qtbot.wait(50)
    chips = [c for c in tab.tags.chips.findChildren(QToolButton) if c.isVisible()]
    assert len(chips) == 9
    assert tab.form.width() <= before          # the form did not widen past its panel
    right_edge = tab.tags.chips.width()
    assert all(c.geometry().right() <= right_edge for c in chips)
    assert len({c.geometry().top() for c in chips}) >= 2   # they wrapped by width
    original = tab.form.size_original
    assert original.isVisible() and original.visibleRegion().boundingRect().width() > 0


def test_retries_show_live_with_a_countdown(tab, qtbot, fakebooru):
    booru = fakebooru("safebooru", posts=12, faults="429=3:retry_after=3:on=files")
    _point_at(tab, booru)
    tab.tags.set_tags(["solo"])
    tab.start()
    qtbot.waitUntil(lambda: "Retrying in" in tab.state_label.text(), timeout=10000)
    assert "too many requests" in tab.log_view.toPlainText()   # the log heard it at once
    qtbot.waitUntil(lambda: tab.worker is None, timeout=30000)
    assert "Retrying" not in tab.state_label.text()


def test_a_tag_with_no_posts_ends_with_a_hint(tab, qtbot, fakebooru):
    booru = fakebooru("safebooru", posts=30)
    _point_at(tab, booru)
    tab.tags.set_tags(["full_bod"])
    tab.start()
    qtbot.waitUntil(lambda: tab.worker is None, timeout=20000)
    text = tab.log_view.toPlainText()
    assert "no posts for" in text and "full_body" in text
    assert "full_body" in tab.state_label.text()
