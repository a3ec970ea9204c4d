"""The local eWokanda stand-in: routing, knobs, scripted faults, the request log and the CLI."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from urllib3.exceptions import ProtocolError

from devtools.standin import StandIn
from devtools.synthetic import SyntheticRow, generate_page
from poradnia.judgements.courts import COURTS, court_url
from poradnia.judgements.fetcher import FORM
from poradnia.judgements.parser import parse_page

ROOT = Path(__file__).resolve().parents[2]
PAGE = generate_page([SyntheticRow("II SA/Gl 1/25", "2026-06-01", "10:00")])
NSA_PAGE = generate_page([SyntheticRow("II OSK 1/25", "2026-06-01", "10:00")])


def post(url: str, **kwargs: object) -> requests.Response:
    return requests.post(url, data=FORM, timeout=10, allow_redirects=False, **kwargs)  # type: ignore[arg-type]


def test_pages_are_served_at_the_real_paths() -> None:
    with StandIn({"WSA_Gliwice": PAGE, "NSA": NSA_PAGE}) as standin:
        assert standin.base_url == f"http://127.0.0.1:{standin.port}/ewokanda/"
        assert post(standin.base_url).content == NSA_PAGE
        gliwice = court_url("WSA_Gliwice", standin.base_url)
        assert gliwice.endswith("/ewokanda/wsa/gliwice/")
        response = post(gliwice)
        assert (response.status_code, response.content) == (200, PAGE)
        assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
        assert requests.get(gliwice, timeout=10).content == PAGE  # GET works too
        assert post(gliwice.rstrip("/")).content == PAGE
        assert post(court_url("WSA_Krakow", standin.base_url)).status_code == 404  # no page for it
        assert post(standin.base_url + "wsa/atlantis/").status_code == 404
        assert requests.get(f"http://127.0.0.1:{standin.port}/", timeout=10).status_code == 404
        assert standin.wait_idle()
        assert [r.parser_key for r in standin.requests] == [
            "NSA", "WSA_Gliwice", "WSA_Gliwice", "WSA_Gliwice", "WSA_Krakow", None, None
        ]


def test_request_log() -> None:
    with StandIn({"WSA_Gliwice": PAGE}) as standin:
        before = time.time()
        post(court_url("WSA_Gliwice", standin.base_url))
        assert standin.wait_idle()  # entries are appended as responses finish
        requests.get(court_url("WSA_Gliwice", standin.base_url) + "?sygnatura=II", timeout=10)
        assert standin.wait_idle()
        first, second = standin.requests
    assert before <= first.time <= time.time()
    assert (first.method, first.path, first.status, first.bytes_sent, first.complete) == (
        "POST", "/ewokanda/wsa/gliwice/", 200, len(PAGE), True
    )
    assert first.form == FORM
    assert (second.method, second.form) == ("GET", {"sygnatura": "II"})
    assert standin.fetch_count("WSA_Gliwice") == standin.request_count("WSA_Gliwice") == 2
    assert standin.fetch_count("NSA") == standin.request_count("NSA") == 0


def test_fail_next_then_success() -> None:
    with StandIn({"WSA_Gliwice": PAGE}) as standin:
        url = court_url("WSA_Gliwice", standin.base_url)
        standin.fail_next("WSA_Gliwice", status=503, times=2)
        assert [post(url).status_code for _ in range(3)] == [503, 503, 200]
        assert standin.wait_idle()
        assert standin.fetch_count("WSA_Gliwice") == 1 and standin.request_count("WSA_Gliwice") == 3
        standin.fail_next("WSA_Gliwice", status=500)
        standin.clear_faults()
        assert post(url).status_code == 200


def test_latency_slows_every_response() -> None:
    with StandIn({"WSA_Gliwice": PAGE}, latency_ms=400) as standin:
        started = time.monotonic()
        post(court_url("WSA_Gliwice", standin.base_url))
        assert time.monotonic() - started >= 0.35


def test_bandwidth_limits_each_connection() -> None:
    body = PAGE + b" " * (100_000 - len(PAGE))
    with StandIn({"WSA_Gliwice": body}, bandwidth_kbps=800) as standin:  # 100 kB/s
        started = time.monotonic()
        assert post(court_url("WSA_Gliwice", standin.base_url)).content == body
        assert time.monotonic() - started >= 0.8


def test_error_rate_is_random_but_seeded() -> None:
    def statuses(seed: int) -> list[int]:
        with StandIn({"WSA_Gliwice": PAGE}, error_rate=0.5, seed=seed) as standin:
            return [post(court_url("WSA_Gliwice", standin.base_url)).status_code for _ in range(30)]

    first = statuses(1)
    assert first == statuses(1)
    assert 200 in first and {s for s in first if s != 200} <= {500, 502, 503} and len(set(first)) > 1
    with StandIn({"WSA_Gliwice": PAGE}, error_rate=1.0) as standin:
        assert post(court_url("WSA_Gliwice", standin.base_url)).status_code >= 500


def test_set_page_replaces_the_page_and_its_content_type() -> None:
    with StandIn({"WSA_Gliwice": PAGE}) as standin:
        url = court_url("WSA_Gliwice", standin.base_url)
        body = "zażółć".encode("cp1250")
        standin.set_page("WSA_Gliwice", body, content_type="text/html; charset=windows-1250")
        response = post(url)
    assert response.content == body
    assert response.headers["Content-Type"] == "text/html; charset=windows-1250"


def test_pages_dir(tmp_path: Path) -> None:
    (tmp_path / "WSA_Opole.html").write_bytes(PAGE)
    (tmp_path / "README.html").write_bytes(b"not a court")
    with StandIn({"WSA_Opole": b"replaced", "NSA": NSA_PAGE}, pages_dir=tmp_path) as standin:
        assert post(court_url("WSA_Opole", standin.base_url)).content == PAGE
        assert post(standin.base_url).content == NSA_PAGE


def test_faults_truncate_drip_redirect_and_unknown_length() -> None:
    with StandIn({"WSA_Gliwice": PAGE}) as standin:
        url = court_url("WSA_Gliwice", standin.base_url)
        standin.truncate("WSA_Gliwice", 100)
        with requests.post(url, data=FORM, timeout=10, stream=True) as response:
            assert int(response.headers["Content-Length"]) == len(PAGE)
            received = b""
            with contextlib.suppress(ProtocolError):  # urllib3 may or may not call it an IncompleteRead
                while chunk := response.raw.read(1024):
                    received += chunk
            assert received == PAGE[:100]
        standin.clear_faults()
        standin.redirect_loop("WSA_Gliwice")
        response = post(url)
        assert (response.status_code, response.headers["Location"]) == (302, "/ewokanda/wsa/gliwice/")
        standin.clear_faults()
        standin.unknown_length("WSA_Gliwice")
        response = post(url)
        assert "Content-Length" not in response.headers and response.content == PAGE
        standin.clear_faults()
        standin.drip("WSA_Gliwice", bytes_per_s=50)
        started = time.monotonic()
        with requests.post(url, data=FORM, timeout=10, stream=True) as response:
            assert response.raw.read(25) == PAGE[:25]
        assert time.monotonic() - started >= 0.4
        assert standin.request_count("WSA_Gliwice") == 4  # counted on arrival, the drip still going
    truncated, *_ = standin.requests
    assert (truncated.bytes_sent, truncated.complete) == (100, False)


def test_stop_ends_a_drip_in_progress() -> None:
    standin = StandIn({"WSA_Gliwice": PAGE}).start()
    standin.drip("WSA_Gliwice", bytes_per_s=10)
    url = court_url("WSA_Gliwice", standin.base_url)
    outcome: list[object] = []

    def dripped_client() -> None:
        try:
            outcome.append(requests.post(url, data=FORM, timeout=30))
        except requests.RequestException as exc:
            outcome.append(exc)

    client = threading.Thread(target=dripped_client, daemon=True)
    client.start()
    time.sleep(0.3)
    started = time.monotonic()
    standin.stop()
    assert time.monotonic() - started < 3
    client.join(timeout=5)  # the server closed the connection: the client returns too
    assert not client.is_alive() and isinstance(outcome[0], requests.RequestException)
    with StandIn() as again:
        assert post(again.base_url).status_code == 404  # a stand-in without pages


def test_cli_serves_synthetic_pages_and_logs_json_lines(tmp_path: Path) -> None:
    log = tmp_path / "requests.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.standin", "--synthetic", "30", "--seed", "2",
         "--port", "0", "--latency-ms", "1", "--log", str(log)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/ewokanda/")
        for key, _ in COURTS:
            response = post(court_url(key, base_url))
            assert response.status_code == 200, key
            assert parse_page(response.content, content_type=response.headers["Content-Type"]).rows_seen == 30
        deadline = time.monotonic() + 5
        while len(log.read_text().splitlines()) < len(COURTS) and time.monotonic() < deadline:
            time.sleep(0.05)  # another process: the line lands once its handler finishes
        lines = [json.loads(line) for line in log.read_text().splitlines()]
        assert [line["parser_key"] for line in lines] == [key for key, _ in COURTS]
        assert all(line["status"] == 200 and line["form"] == FORM for line in lines)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
