import requests

from ganime_gui.demo import start_demo
from ganime_gui.ui.main_window import MainWindow


def test_demo_opens_a_project_with_the_crawl_tab_on_a_local_fake_booru(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("GANIME_SETTINGS_FILE", str(tmp_path / "settings.ini"))
    window = MainWindow()
    qtbot.addWidget(window)
    server = start_demo(window, root=tmp_path / "demo")
    try:
        assert window.context.project.root == (tmp_path / "demo").resolve()
        crawl = window.tab("Crawl")
        assert crawl.base_url.currentText() == server.base_url
        assert server.base_url.startswith("http://127.0.0.1:")
        assert crawl.tags.include_tags() == ["full_body", "solo", "standing", "1girl", "white_background"]
        reply = requests.get(f"{server.base_url}/index.php",
                             params={"page": "dapi", "s": "post", "q": "index", "json": 1, "limit": 3},
                             timeout=10)
        assert reply.status_code == 200 and len(reply.json()) == 3
    finally:
        server.shutdown()
