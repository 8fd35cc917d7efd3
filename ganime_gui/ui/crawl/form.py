"""The Crawl tab's form: the site, the tags, the filters and the pacing, as a CrawlQuery and
CrawlOptions. The defaults are CrawlOptions' own, so the tab and ``ganime crawl`` agree."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout,
                               QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QRadioButton, QSpinBox, QVBoxLayout, QWidget)

from ganime_gui.core.boorus import DEFAULT_SITE, KNOWN_HOSTS, SITES, Credentials, make_adapter
from ganime_gui.core.boorus.base import RATINGS
from ganime_gui.core.crawl import SEED_TAGS, SUGGESTED_BLACKLIST, CrawlOptions, CrawlQuery, parse_tag_list
from ganime_gui.core.crawl.politeness import SHARED
from ganime_gui.core.crawl.query import DEFAULT_FILE_TYPES
from ganime_gui.core.crawl.suggest import suggest_tags
from ganime_gui.ui.widgets.tag_input import TagInput


class CrawlForm(QWidget):
    """Everything a crawl is asked with. ``suggest_source_changed`` fires when the site changes."""

    site_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(self._site_box())
        layout.addWidget(self._search_box())
        layout.addWidget(self._filter_box())
        layout.addStretch(1)
        self._on_site_changed()

    # -- boxes -----------------------------------------------------------------------------------
    def _site_box(self) -> QGroupBox:
        box = QGroupBox("Site")
        f = QFormLayout(box)
        self.site_combo = QComboBox()
        for name, cls in SITES.items():
            self.site_combo.addItem(cls.title, name)
        self.site_combo.setCurrentIndex(list(SITES).index(DEFAULT_SITE))
        self.site_combo.currentIndexChanged.connect(self._on_site_changed)
        self.base_url = QComboBox()
        self.base_url.setEditable(True)
        self.base_url.setToolTip("Another instance of the same engine: a mirror, a self-hosted site, "
                                 "or the local fake booru.")
        self.base_url.currentTextChanged.connect(self.update_suggest_source)
        self.user_id = QLineEdit()
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_help = QLabel()
        self.key_help.setWordWrap(True)
        self.key_help.setStyleSheet("color: palette(mid);")
        f.addRow("Engine", self.site_combo)
        f.addRow("Base URL", self.base_url)
        f.addRow("User id", self.user_id)
        f.addRow("API key", self.api_key)
        f.addRow(self.key_help)
        return box

    def _search_box(self) -> QGroupBox:
        box = QGroupBox("Tags")
        v = QVBoxLayout(box)
        self.tags = TagInput()
        v.addWidget(self.tags)
        self.seed_button = QPushButton("Use the GANime-FullBody tags")
        self.seed_button.setToolTip(" ".join(SEED_TAGS))
        self.seed_button.clicked.connect(self.use_seed_tags)
        v.addWidget(self.seed_button)
        bl = QHBoxLayout()
        self.blacklist = QLineEdit()
        self.blacklist.setPlaceholderText("blacklist: posts with any of these tags are skipped")
        suggest = QPushButton("Suggested")
        suggest.setToolTip("Tags that rarely show one full-body figure: " + " ".join(SUGGESTED_BLACKLIST))
        suggest.clicked.connect(lambda: self.blacklist.setText(" ".join(SUGGESTED_BLACKLIST)))
        bl.addWidget(self.blacklist, 1)
        bl.addWidget(suggest)
        v.addLayout(bl)
        return box

    def _filter_box(self) -> QGroupBox:
        defaults = CrawlOptions()
        box = QGroupBox("Filters and size")
        g = QGridLayout(box)
        rows = []
        ratings, self.rating_checks = _check_row(RATINGS, checked=("general",))
        rows.append(("Ratings", [ratings]))
        self.min_width = _spin(0, 20000, 0, " px")
        self.min_height = _spin(0, 20000, 256, " px")
        rows.append(("Min width × height", [self.min_width, self.min_height]))
        self.min_aspect = _dspin(0, 10, 0.0)
        self.max_aspect = _dspin(0, 10, 0.0)
        self.min_aspect.setToolTip("0: no lower bound. Standing full-body figures are about 0.3-0.8.")
        self.max_aspect.setToolTip("0: no upper bound.")
        rows.append(("Width / height", [self.min_aspect, self.max_aspect]))
        shown_types = [t for t in DEFAULT_FILE_TYPES if t != "jpeg"]   # jpg stands for both
        types, self.type_checks = _check_row(shown_types, checked=[t for t in shown_types if t != "gif"])
        rows.append(("File types", [types]))
        self.limit = _spin(0, 10_000_000, 0, "")
        self.limit.setSpecialValueText("all")
        rows.append(("Maximum posts", [self.limit]))
        self.size_original = QRadioButton("original")
        self.size_sample = QRadioButton("smallest ≥")
        self.size_sample.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.size_original)
        group.addButton(self.size_sample)
        self.sample_px = _spin(64, 4096, 256, " px")
        self.sample_px.setToolTip("Training uses 64-256 px: a sample saves most of the download.")
        rows.append(("Download", [self.size_sample, self.sample_px, self.size_original]))
        self.concurrency = _spin(1, 16, defaults.concurrency, "")
        self.per_host = _spin(1, 16, defaults.downloads_per_host, "")
        self.per_host.setToolTip("Downloads at once from one host; halved while it answers "
                                 "'too many requests', grown back after successes.")
        rows.append(("Downloads at once", [self.concurrency, QLabel("per host"), self.per_host]))
        self.delay = _dspin(0, 30, SITES[DEFAULT_SITE].polite_interval_s)
        self.delay.setToolTip("Between list and search requests to one host. Real sites ask for "
                              "about 1 s; 0 only for a local server. Downloads do not wait on it.")
        self.delay.valueChanged.connect(self._configure_pacing)
        rows.append(("Seconds between API requests", [self.delay]))
        for row, (label, widgets) in enumerate(rows):
            g.addWidget(QLabel(label), row, 0)
            for col, w in enumerate(widgets, 1):
                span = 3 if len(widgets) == 1 and not isinstance(w, QWidget) else 1
                if isinstance(w, QWidget):
                    g.addWidget(w, row, col)
                else:
                    g.addLayout(w, row, col, 1, span)
        return box

    # -- values ----------------------------------------------------------------------------------
    @property
    def site(self) -> str:
        return self.site_combo.currentData()

    @property
    def base_url_text(self) -> str | None:
        return self.base_url.currentText().strip() or None

    def credentials(self) -> Credentials:
        return Credentials(self.user_id.text().strip(), self.api_key.text().strip())

    def set_base_url(self, url: str) -> None:
        self.base_url.setEditText(url)
        self.update_suggest_source()

    def use_seed_tags(self) -> None:
        self.tags.set_tags(SEED_TAGS, self.tags.exclude_tags())

    def query(self) -> CrawlQuery:
        self.tags.commit_text()
        return CrawlQuery(
            tags=self.tags.include_tags(), exclude=self.tags.exclude_tags(),
            blacklist=parse_tag_list(self.blacklist.text()),
            ratings=[r for r, cb in self.rating_checks.items() if cb.isChecked()],
            min_width=self.min_width.value(), min_height=self.min_height.value(),
            min_aspect=self.min_aspect.value(), max_aspect=self.max_aspect.value(),
            file_types=[t for t, cb in self.type_checks.items() if cb.isChecked()]
            + (["jpeg"] if self.type_checks["jpg"].isChecked() else []),
            limit=self.limit.value(),
            size="sample" if self.size_sample.isChecked() else "original",
            sample_min_px=self.sample_px.value())

    def options(self) -> CrawlOptions:
        return CrawlOptions(concurrency=self.concurrency.value(), interval_s=self.delay.value(),
                            downloads_per_host=self.per_host.value())

    # -- site ------------------------------------------------------------------------------------
    def _on_site_changed(self) -> None:
        cls = SITES[self.site]
        self.base_url.blockSignals(True)
        self.base_url.clear()
        self.base_url.addItems(KNOWN_HOSTS.get(self.site, [cls.default_base_url]))
        self.base_url.blockSignals(False)
        needs = cls.needs_credentials
        self.user_id.setPlaceholderText("required" if needs else "optional")
        self.api_key.setPlaceholderText("required" if needs else "optional")
        self.key_help.setText(cls.credential_help or "No key needed.")
        self.delay.setValue(cls.polite_interval_s)
        self.update_suggest_source()
        self.site_changed.emit()

    def _adapter(self):
        try:
            return make_adapter(self.site, self.base_url_text, self.credentials())
        except Exception:  # noqa: BLE001 - half-typed URL: no suggestions until it is whole
            return None

    def update_suggest_source(self) -> None:
        adapter = self._adapter()
        self._configure_pacing()
        self.tags.set_suggest_source(None if adapter is None else
                                     (lambda prefix, a=adapter: suggest_tags(a, prefix)))

    def _configure_pacing(self) -> None:
        """Lookups wait on the same per-host clock as crawls, at the interval set here."""
        adapter = self._adapter()
        if adapter is not None and hasattr(self, "delay"):
            SHARED.configure(adapter.base_url, interval_s=self.delay.value())


def _check_row(names, checked) -> tuple[QHBoxLayout, dict[str, QCheckBox]]:
    row, boxes = QHBoxLayout(), {}
    for name in names:
        boxes[name] = QCheckBox(name)
        boxes[name].setChecked(name in checked)
        row.addWidget(boxes[name])
    row.addStretch(1)
    return row, boxes


def _spin(low: int, high: int, value: int, suffix: str) -> QSpinBox:
    s = QSpinBox()
    s.setRange(low, high)
    s.setValue(value)
    s.setSuffix(suffix)
    return s


def _dspin(low: float, high: float, value: float) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(low, high)
    s.setDecimals(2)
    s.setSingleStep(0.1)
    s.setValue(value)
    s.setAlignment(Qt.AlignmentFlag.AlignRight)
    return s
