"""Downloading a snapshot: dated file, provenance record, clear error when offline.

Served from a local HTTP server on 127.0.0.1; the file served is made up.
"""

from __future__ import annotations

import functools
import hashlib
import json
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ratioed import InputError, load_posts
from ratioed.inputs.download import download, latest_snapshot, pinned_snapshot


@pytest.fixture()
def server(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    posts = [{"id": "114842356238631061", "created_at": "2025-07-12T21:21:29.285Z",
              "content": "<p>made up</p>", "url": "https://example.invalid/1", "media": [],
              "replies_count": 3, "reblogs_count": 2, "favourites_count": 1},
             {"id": "114842356238631062", "created_at": "2025-07-13T01:00:00.000Z",
              "content": "<p>made up too</p>", "url": "https://example.invalid/2", "media": [],
              "replies_count": 1, "reblogs_count": 2, "favourites_count": 3}]
    (site / "truth_archive.json").write_text(json.dumps(posts))
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", site
    httpd.shutdown()


def test_download_writes_dated_copy_and_provenance(server, tmp_path):
    base, site = server
    raw = tmp_path / "raw"
    path = download(f"{base}/truth_archive.json", raw_dir=raw, progress=False)
    assert path.parent == raw and path.name.startswith("truth_archive_") and path.suffix == ".json"
    assert path.read_bytes() == (site / "truth_archive.json").read_bytes()
    record = json.loads(path.with_name(path.name + ".provenance.json").read_text())
    assert record["url"] == f"{base}/truth_archive.json"
    assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert record["bytes"] == path.stat().st_size and record["rows"] == 2
    assert record["first_post"].startswith("2025-07-12T21:21:29")
    assert record["last_post"].startswith("2025-07-13T01:00:00")
    assert record["retrieved_at"].endswith("Z")
    assert latest_snapshot(raw) == path
    # the provenance's retrieval time becomes the capture time
    assert load_posts(path)["captured_at"].notna().all()


def test_offline_error_says_how_to_use_a_local_file(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(InputError, match="download failed.*pass its local path"):
        download(f"http://127.0.0.1:{port}/truth_archive.parquet", raw_dir=tmp_path,
                 progress=False)
    assert list(tmp_path.iterdir()) == []


def test_pinned_download_matches_and_pooch_advice_is_hidden(server, tmp_path, capfd):
    base, site = server
    digest = hashlib.sha256((site / "truth_archive.json").read_bytes()).hexdigest()
    unpinned = download(f"{base}/truth_archive.json", raw_dir=tmp_path / "a", progress=False)
    pinned = download(f"{base}/truth_archive.json", raw_dir=tmp_path / "b", progress=False,
                      known_hash=digest)
    assert pinned.read_bytes() == unpinned.read_bytes()
    record = json.loads(pinned.with_name(pinned.name + ".provenance.json").read_text())
    assert record["sha256"] == digest
    err = capfd.readouterr().err
    assert "known_hash" not in err and "SHA256 hash of downloaded file" not in err


def test_pin_mismatch_keeps_nothing_and_says_what_to_do(server, tmp_path):
    base, _ = server
    raw = tmp_path / "raw"
    with pytest.raises(InputError) as err:
        download(f"{base}/truth_archive.json", raw_dir=raw, progress=False,
                 known_hash="0" * 64)
    msg = str(err.value)
    assert "not the pinned snapshot" in msg and "0" * 64 in msg and "SOURCE=" in msg
    assert "\n" not in msg
    assert not raw.exists() or list(raw.iterdir()) == []


def test_pinned_snapshot_already_present_needs_no_network(server, tmp_path):
    base, _ = server
    raw = tmp_path / "raw"
    first = download(f"{base}/truth_archive.json", raw_dir=raw, progress=False)
    digest = hashlib.sha256(first.read_bytes()).hexdigest()
    with socket.socket() as s:  # a port nobody listens on: any download would fail
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    again = download(f"http://127.0.0.1:{port}/truth_archive.json", raw_dir=raw,
                     progress=False, known_hash=f"sha256:{digest.upper()}")
    assert again == first and len(list(raw.iterdir())) == 2  # the file and its record
    assert pinned_snapshot(digest, raw) == first and pinned_snapshot("1" * 64, raw) is None


def test_make_download_offers_the_sets_pin(server, tmp_path, monkeypatch):
    """`ratioed download --make-vars` (what `make download` runs) reads the pin from PARAMS."""
    from ratioed.cli import main

    base, _ = server
    monkeypatch.setattr("ratioed.paths.RAW_DIR", tmp_path / "raw")
    pinned_set = tmp_path / "pinned.yaml"
    pinned_set.write_text(f"snapshot_sha256: '{'0' * 64}'\nsources: []\n")
    monkeypatch.setenv("PARAMS", str(pinned_set))
    monkeypatch.delenv("SNAPSHOT_SHA256", raising=False)
    assert main(["download", f"{base}/truth_archive.json", "--make-vars"]) == 2  # refused
    monkeypatch.setenv("SNAPSHOT_SHA256", "")  # empty Make variable: the set's pin stands
    assert main(["download", f"{base}/truth_archive.json", "--make-vars"]) == 2
    # a set pinning its own local file (the default set: the committed week) pins no download
    local_set = tmp_path / "local.yaml"
    local_set.write_text(f"snapshot_sha256: '{'0' * 64}'\nsources: [week.csv]\n")
    monkeypatch.setenv("PARAMS", str(local_set))
    assert main(["download", f"{base}/truth_archive.json", "--make-vars"]) == 0
    monkeypatch.delenv("PARAMS")
    assert main(["download", f"{base}/truth_archive.json", "--make-vars"]) == 0  # no pin
