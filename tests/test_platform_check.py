"""The launcher explains a missing display or missing X libraries instead of letting Qt abort."""
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ganime_gui import platform_check
from ganime_gui.platform_check import debian_package, explain_missing_platform

XCB_PLUGIN = platform_check.plugin_path("xcb")
XCB_MISSING = platform_check.missing_libraries(XCB_PLUGIN) if XCB_PLUGIN else []
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's xcb platform is Linux's")


def _launch(env_changes: dict, remove=("DISPLAY", "WAYLAND_DISPLAY")) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in remove}
    env.update(env_changes)
    return subprocess.run([sys.executable, "-m", "ganime_gui"], env=env, capture_output=True, text=True,
                          timeout=120)


@linux_only
def test_no_display_gives_one_paragraph_and_a_clean_exit_not_sigabrt():
    result = _launch({"QT_QPA_PLATFORM": "xcb"})
    assert result.returncode == 1, result.stderr
    assert result.returncode not in (-signal.SIGABRT, 134)
    assert "cannot open its window: there is no display (DISPLAY is not set)" in result.stderr
    assert "Traceback" not in result.stderr
    assert "headless commands" in result.stderr


@linux_only
@pytest.mark.skipif(not XCB_MISSING, reason="this machine has every library Qt's xcb plugin needs")
def test_missing_x_libraries_are_named_with_their_packages(tmp_path):
    # A display that answers (a listening socket), so the only problem left is the libraries.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert port > 6000  # Linux's ephemeral ports: display number port - 6000
        result = _launch({"QT_QPA_PLATFORM": "xcb", "DISPLAY": f"127.0.0.1:{port - 6000}"})
    assert result.returncode == 1, result.stderr
    for lib in XCB_MISSING:
        assert lib in result.stderr
        assert debian_package(lib) in result.stderr
    assert "sudo apt-get install" in result.stderr


def test_ldd_output_is_read_for_every_missing_library(tmp_path, monkeypatch):
    fake_plugin = tmp_path / "libqxcb.so"
    fake_plugin.write_bytes(b"not an ELF file")
    ldd = tmp_path / "ldd"
    ldd.write_text("#!/bin/sh\necho '\tlibxcb-icccm.so.4 => not found'\n"
                   "echo '\tlibc.so.6 => /lib/libc.so.6'\n"
                   "echo '\tlibxkbcommon-x11.so.0 => not found'\n")
    ldd.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert platform_check.missing_libraries(fake_plugin) == ["libxcb-icccm.so.4", "libxkbcommon-x11.so.0"]


def test_debian_package_names_follow_debians_rule():
    assert debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert debian_package("libEGL.so.1") == "libegl1"
    assert debian_package("libglib-2.0.so.0") == "libglib2.0-0"
    assert debian_package("libdbus-1.so.3") == "libdbus-1-3"


def test_offscreen_and_other_systems_need_nothing(monkeypatch):
    assert explain_missing_platform({"QT_QPA_PLATFORM": "offscreen"}) is None
    monkeypatch.setattr(platform_check.sys, "platform", "win32")
    assert explain_missing_platform({"QT_QPA_PLATFORM": "xcb"}) is None


def test_the_readme_lists_the_packages_the_check_names():
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    for package in platform_check.DEBIAN_PACKAGES.split():
        assert package in readme, package
