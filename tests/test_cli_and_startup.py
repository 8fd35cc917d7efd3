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


def test_the_desktop_launcher_starts_the_app_with_the_folder_it_is_given(tmp_path):
    """Parse resources/ganime.desktop's Exec line, give it a project folder as a file manager
    would (%f), and run it with --self-test."""
    import configparser
    import shlex
    from pathlib import Path

    from ganime_gui.core.project import Project

    desktop = configparser.ConfigParser(interpolation=None)
    desktop.read(Path(__file__).parents[1] / "resources" / "ganime.desktop", encoding="utf-8")
    exec_line = desktop["Desktop Entry"]["Exec"]
    project = Project.create(tmp_path / "my dataset")
    argv = [str(project.root) if word == "%f" else word for word in shlex.split(exec_line)]
    launcher = Path(sys.executable).parent / argv[0]  # the script pip installed beside this Python
    assert launcher.exists(), f"{argv[0]} is not installed by the package (pyproject's scripts)"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GANIME_SETTINGS_FILE": str(tmp_path / "s.ini")}
    result = subprocess.run([str(launcher), *argv[1:], "--self-test"], capture_output=True, text=True,
                            timeout=300, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("SELF-TEST OK") and "opened my dataset" in result.stdout


def test_headless_commands_log_to_the_project_and_print_one_line_for_a_bug(tmp_path, monkeypatch, capsys):
    from pathlib import Path

    from ganime_gui.commands import import_images
    from ganime_gui.core.project import Project

    project = Project.create(tmp_path / "p")

    def broken(args):
        raise RuntimeError("something deep broke")

    monkeypatch.setattr(import_images, "run", broken)
    folder = tmp_path / "in"
    folder.mkdir()
    assert main(["import", "--project", str(project.root), str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "something deep broke" in err and str(Path(project.root) / "logs" / "ganime.log") in err
    log_text = (project.root / "logs" / "ganime.log").read_text(encoding="utf-8")
    assert "ganime import started" in log_text
    assert "Traceback" in log_text and "RuntimeError: something deep broke" in log_text


def test_the_console_shows_one_line_per_record_and_the_log_file_everything():
    import logging

    from ganime_gui.logs import OneLineFormatter

    try:
        raise ValueError("bad value")
    except ValueError:
        record = logging.getLogger("ganime.x").makeRecord(
            "ganime.x", logging.ERROR, __file__, 1, "job failed:\n%s", ("more lines",), sys.exc_info())
    line = OneLineFormatter("%(levelname)s %(name)s: %(message)s").format(record)
    assert line == "ERROR ganime.x: job failed: (details in the log)"
    full = logging.Formatter("%(levelname)s %(name)s: %(message)s").format(record)
    assert "more lines" in full and "ValueError: bad value" in full
