"""The shared HTTP client against a real loopback server: retries, waits, clear errors."""

import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone

import pytest
from werkzeug import Response

from harvester.errors import KbError
from harvester.http import USER_AGENT, Client


@pytest.fixture
def waits():
    return []


@pytest.fixture
def client(httpserver, waits):
    return Client(httpserver.url_for("/"), credential_env="FORUM_API_KEY", attempts=3, timeout_seconds=0.5,
                  sleep=waits.append)


def test_a_server_error_is_retried_then_succeeds(httpserver, client, waits):
    httpserver.expect_ordered_request("/latest.json").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/latest.json").respond_with_json({"ok": True})
    assert client.get_json("/latest.json") == {"ok": True}
    assert client.requests == 2 and len(waits) == 1 and 0 <= waits[0] <= 1.0


def test_429_retry_after_seconds_is_honoured(httpserver, client, waits):
    httpserver.expect_ordered_request("/t/1.json").respond_with_data("slow down", status=429, headers={"Retry-After": "7"})
    httpserver.expect_ordered_request("/t/1.json").respond_with_json({"id": 1})
    assert client.get_json("/t/1.json") == {"id": 1}
    assert waits == [7.0]


def test_429_retry_after_http_date_is_honoured(httpserver, client, waits):
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    httpserver.expect_ordered_request("/t/1.json").respond_with_data("", status=429, headers={"Retry-After": later})
    httpserver.expect_ordered_request("/t/1.json").respond_with_json({"id": 1})
    client.get_json("/t/1.json")
    assert len(waits) == 1 and 25 <= waits[0] <= 31


def test_an_absurd_retry_after_fails_clearly(httpserver, client):
    httpserver.expect_request("/t/1.json").respond_with_data("", status=429, headers={"Retry-After": "86400"})
    with pytest.raises(KbError, match=r"/t/1.json: the server asks to wait 86400s \(HTTP 429\)"):
        client.get_json("/t/1.json")


def test_a_timeout_is_retried_then_fails_naming_the_url(httpserver, client, waits):
    def slow(request):
        time.sleep(1.5)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/latest.json").respond_with_handler(slow)
    with pytest.raises(KbError) as error:
        client.get_json("/latest.json", params={"api_key": "SECRET123"})
    assert str(error.value) == f"{httpserver.url_for('/latest.json')}: timed out (3 attempts)"
    assert len(waits) == 2


def test_malformed_json_is_a_clean_error(httpserver, client):
    httpserver.expect_request("/latest.json").respond_with_data('{"topic_list": [', content_type="application/json")
    with pytest.raises(KbError, match="latest.json: the response is not valid JSON"):
        client.get_json("/latest.json")


def test_401_names_the_credential_variable_and_never_the_token(httpserver, client):
    httpserver.expect_request("/latest.json").respond_with_data("bad key", status=401)
    with pytest.raises(KbError) as error:
        client.get_json("/latest.json", params={"api_key": "SECRET123"})
    assert str(error.value) == f"{httpserver.url_for('/latest.json')}: HTTP 401 (not allowed); check the credential in $FORUM_API_KEY"


def test_a_server_that_is_not_there(waits):
    client = Client("http://127.0.0.1:9", attempts=2, sleep=waits.append)
    with pytest.raises(KbError, match=r"http://127.0.0.1:9/latest.json: cannot connect .* \(2 attempts\)"):
        client.get_json("/latest.json")


def test_requests_identify_themselves(httpserver, client):
    httpserver.expect_request("/latest.json", headers={"User-Agent": USER_AGENT}).respond_with_json([])
    assert client.get_json("/latest.json") == []
