"""serve_in_thread: a real loopback server the portal's tests and run command can start and stop."""

from __future__ import annotations

import pytest
import requests
from flask import Flask

from portal.devidp import serve_in_thread


def hello_app() -> Flask:
    app = Flask(__name__)
    app.add_url_rule("/", "hello", lambda: "こんにちは")
    return app


def test_serves_on_a_free_loopback_port_until_shut_down() -> None:
    running = serve_in_thread(hello_app())
    assert running.port > 0
    assert running.url == f"http://127.0.0.1:{running.port}"
    assert requests.get(running.url, timeout=5).text == "こんにちは"

    running.shutdown()

    with pytest.raises(requests.ConnectionError):
        requests.get(running.url, timeout=5)


def test_an_app_can_be_mounted_once_the_url_is_known() -> None:
    running = serve_in_thread(None)
    try:
        assert requests.get(running.url, timeout=5).status_code == 503
        running.mount(hello_app())
        assert requests.get(running.url, timeout=5).text == "こんにちは"
    finally:
        running.shutdown()
