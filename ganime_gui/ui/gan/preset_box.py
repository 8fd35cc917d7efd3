"""Which settings suit this machine and why, and how long the run on the form would take."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QSizePolicy

from ganime_gui.core.gan.config import GanConfig
from ganime_gui.core.gan.presets import LONG_RUN_S, PRESETS, Estimate, Preset, PresetChoice
from ganime_gui.core.timefmt import format_duration

CUSTOM = "custom"


class PresetBox(QGroupBox):
    """A preset picker (the machine's choice first, with its reason) and the run's plan."""
    preset_chosen = Signal(object)  # Preset

    def __init__(self, choice: PresetChoice, parent=None):
        super().__init__("Settings for this machine", parent)
        self.choice = choice
        self.combo = QComboBox()
        for key, preset in PRESETS.items():
            self.combo.addItem(("Auto: " if key == choice.preset.key else "") + preset.title, key)
        self.combo.addItem("Custom (sizes set below)", CUSTOM)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(14)
        self.combo.setCurrentIndex(self.combo.findData(choice.preset.key))
        self.combo.activated.connect(self._on_activated)
        self.reason = QLabel(choice.reason)
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("color: palette(placeholder-text)")
        self.plan = QLabel("")
        self.plan.setWordWrap(True)
        for label in (self.reason, self.plan):  # wrap to the panel's width instead of widening it
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        form = QFormLayout(self)
        form.addRow("Preset", self.combo)
        form.addRow(self.reason)
        form.addRow(self.plan)

    def current_key(self) -> str:
        return self.combo.currentData()

    def mark(self, key: str) -> None:
        """Show ``key`` (a preset, or custom) without applying it."""
        index = self.combo.findData(key if key in PRESETS else CUSTOM)
        self.combo.setCurrentIndex(index)

    def _on_activated(self, index: int) -> None:
        key = self.combo.itemData(index)
        if key in PRESETS:
            self.preset_chosen.emit(PRESETS[key])

    @staticmethod
    def estimate(config: GanConfig, runs_dir) -> Estimate:
        """This machine's expected speed for ``config`` (an earlier run's in ``runs_dir`` if any)."""
        from ganime_gui.core.gan.presets import estimate_speed
        from ganime_gui.core.tfsetup import cpu_count, gpu_names

        return estimate_speed(config, len(gpu_names()), cpu_count(), runs_dir)

    def show_plan(self, config: GanConfig, estimate: Estimate) -> None:
        seconds = estimate.seconds(config)
        text = f"This run: {config.total_kimg:g} kimg, {estimate.describe(config)}."
        if seconds is not None and seconds > LONG_RUN_S:
            text += (f"<br><b style='color:#b00'>That is more than a day ({format_duration(seconds)}).</b> "
                     f"Train for fewer kimg, or pick the CPU preset.")
        self.plan.setText(text)

    def show_running(self, status) -> None:
        """While training: the measured speed and time left (``events.GanStatus``)."""
        if not status.img_per_s:
            return
        text = f"This run: {status.total_kimg:g} kimg at {status.img_per_s:.0f} images/s (measured)"
        if status.eta_s is not None:
            text += f", about {format_duration(status.eta_s)} left"
            if status.eta_s > LONG_RUN_S:
                text += (".<br><b style='color:#b00'>More than a day.</b> Stop it and train for fewer kimg, "
                         "or pick the CPU preset")
        self.plan.setText(text + ".")

    def show_run(self, config: GanConfig) -> None:
        """An opened run: the preset it was started with."""
        preset: Preset | None = PRESETS.get(config.preset)
        self.mark(config.preset)
        self.plan.setText(f"This run was started with the {preset.title} preset." if preset else
                          f"This run was started with hand-set sizes (width {config.base_channels}, "
                          f"batch {config.batch_size}).")

    @staticmethod
    def is_long(config: GanConfig, estimate: Estimate) -> bool:
        seconds = estimate.seconds(config)
        return seconds is not None and seconds > LONG_RUN_S
