"""The command line, the self-test and the rule that the window shows before TensorFlow loads."""
import os
import subprocess
import sys
import textwrap

import pytest

from ganime_gui import __version__
from ganime_gui.cli import COMMANDS, main


def run_py(code: str, tmp_path, timeout=120):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "GANIME_SETTINGS_FILE": str(tmp_path / "settings.ini")}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_version_and_help_list_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


def test_unknown_command_is_an_error(capsys):
    assert main(["crawll"]) == 2
    assert "unknown command 'crawll'" in capsys.readouterr().err


def test_every_command_parses_its_help(capsys):
    for name in COMMANDS:
        with pytest.raises(SystemExit) as exit_info:
            main([name, "--help"])
        assert exit_info.value.code == 0, name
        assert f"ganime {name}" in capsys.readouterr().out


def test_window_with_every_tab_shows_without_importing_tensorflow(tmp_path):
    result = run_py("""
        import sys
        from ganime_gui.app import create_application
        from ganime_gui.ui.main_window import MainWindow
        app = create_application()
        w = MainWindow(); w.show(); app.processEvents()
        titles = [w.tabs.tabText(i) for i in range(w.tabs.count())]
        print("tabs", titles, [type(w.tab(t)).__name__ for t in titles])
        print("tensorflow" in sys.modules, "keras" in sys.modules)
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert ("tabs ['Crawl', 'Sort', 'Train', 'GAN'] ['CrawlTab', 'SortTab', 'TrainTab', 'GanTab']"
            in result.stdout)
    assert result.stdout.strip().endswith("False False")


def test_self_test_passes(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-m", "ganime_gui", "--self-test"], capture_output=True,
                            text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("SELF-TEST OK")


def test_a_user_error_in_a_command_is_one_line_not_a_traceback(capsys):
    assert main(["fakebooru", "--faults", "nosuchfault=3", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ganime fakebooru: ") and "Traceback" not in err
