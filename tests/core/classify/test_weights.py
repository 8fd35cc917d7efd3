"""ImageNet weights fetched by the app: streamed with progress and Stop, atomic, checked, clear offline.

A local HTTP server on 127.0.0.1 serves small fake files; the real download never runs in tests.
"""
import hashlib
import http.server
import socket
import threading

import pytest

from ganime_gui.core.classify import weights as w
from ganime_gui.core.classify.backbones import build_backbone
from ganime_gui.core.jobs import JobCancelled, UserError

PAYLOAD = bytes(range(256)) * 12_000  # about 3 MB: several progress reports


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}
    requests: list[str] = []
    truncate = False

    def do_GET(self):  # noqa: N802 - the http.server API
        type(self).requests.append(self.path)
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if self.truncate else body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(monkeypatch, tmp_path):
    handler = type("Handler", (_Handler,), {"files": {}, "requests": [], "truncate": False})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(w, "STORAGE", f"http://127.0.0.1:{httpd.server_address[1]}/")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    yield handler
    httpd.shutdown()
    httpd.server_close()


def _serve(handler, backbone, size, body=PAYLOAD):
    file = w.imagenet_file(backbone, size)
    handler.files[file.url.removeprefix(w.STORAGE.rstrip("/"))] = body
    return file


def test_the_same_files_and_folder_as_keras(monkeypatch, tmp_path):
    assert w.imagenet_file("vgg16", 224).url == (
        "https://storage.googleapis.com/tensorflow/keras-applications/vgg16/"
        "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
    assert (w.imagenet_file("mobilenet_v2", 128).filename
            == "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_128_no_top.h5")
    assert w.imagenet_file("mobilenet_v2", 100).filename.endswith("_1.0_224_no_top.h5")  # Keras's fallback
    assert (w.imagenet_file("efficientnet_b0", 224).url
            == "https://storage.googleapis.com/keras-applications/efficientnetb0_notop.h5")
    assert w.imagenet_file("resnet50", 224).filename == "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    with pytest.raises(UserError, match="no ImageNet weights"):
        w.imagenet_file("tiny_cnn", 64)
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert w.keras_models_dir() == tmp_path / ".keras" / "models"


def test_download_streams_with_progress_into_the_keras_folder_once(server, tmp_path, monkeypatch):
    file = _serve(server, "mobilenet_v2", 96)
    monkeypatch.setattr(w, "REPORT_EVERY", 1 << 19)
    events = []
    path = w.ensure_imagenet_weights("mobilenet_v2", 96,
                                     progress=lambda d, t, m="", **e: events.append(e["event"]))
    assert path == tmp_path / "keras" / "models" / file.filename and path.read_bytes() == PAYLOAD
    assert all(isinstance(e, w.WeightsDownload) and e.total == len(PAYLOAD) for e in events)
    done = [e.done for e in events]
    assert done[0] == 0 and done[-1] == len(PAYLOAD) and done == sorted(done) and 5 <= len(done) <= 10
    assert list(path.parent.iterdir()) == [path]  # no temporary file left
    assert w.ensure_imagenet_weights("mobilenet_v2", 96) == path
    assert len(server.requests) == 1  # the second build used the file on disk


def test_a_file_that_does_not_match_its_checksum_is_not_kept(server, tmp_path):
    file = _serve(server, "vgg16", 224)  # VGG16 has a published md5 that PAYLOAD does not have
    assert hashlib.md5(PAYLOAD).hexdigest() != file.md5
    with pytest.raises(UserError, match="does not match its published checksum"):
        w.ensure_imagenet_weights("vgg16", 224)
    assert not any((tmp_path / "keras" / "models").iterdir())


def test_a_dropped_connection_leaves_nothing_behind(server, tmp_path):
    _serve(server, "mobilenet_v2", 128)
    server.truncate = True
    with pytest.raises(UserError, match="Could not download"):
        w.ensure_imagenet_weights("mobilenet_v2", 128)
    assert not any((tmp_path / "keras" / "models").iterdir())


def test_stop_during_the_download_keeps_no_half_file(server, tmp_path):
    _serve(server, "mobilenet_v2", 160)
    seen = []
    with pytest.raises(JobCancelled):
        w.ensure_imagenet_weights("mobilenet_v2", 160, progress=lambda d, t, m="", **e: seen.append(d),
                                  cancelled=lambda: len(seen) >= 2)
    assert not any((tmp_path / "keras" / "models").iterdir())


def test_offline_names_the_file_and_the_folder(monkeypatch, tmp_path):
    with socket.socket() as s:  # a port nobody listens on: the connection is refused at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(w, "STORAGE", f"http://127.0.0.1:{port}/")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    with pytest.raises(UserError) as err:
        build_backbone("mobilenet_v2", "imagenet", 96)
    text = str(err.value)
    assert "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5" in text
    assert str(tmp_path / "keras" / "models") in text
    assert "Load weights file" in text and "weights: none" in text


def test_the_downloaded_file_is_what_keras_loads(server, tmp_path):
    file = _serve(server, "mobilenet_v2", 96, body=b"not an h5 file")
    with pytest.raises(UserError, match="does not fit MobileNetV2") as err:
        build_backbone("mobilenet_v2", "imagenet", 96)
    assert len(server.requests) == 1
    assert str(tmp_path / "keras" / "models" / file.filename) in str(err.value)
    assert "Delete it" in str(err.value)
