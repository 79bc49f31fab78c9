"""The one HTTP client every networked source uses: timeouts, polite retries, clear errors.

Retries with exponential backoff and jitter on connection errors, timeouts and 5xx; 429, 503
and rate-limited 403s honour Retry-After or the quota's reset time (x-ratelimit-*). Other
401/403s name the environment variable holding the credential. URLs
in messages never carry their query string, where some APIs put keys.
"""

import email.utils
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from harvester import __version__
from harvester.errors import KbError

USER_AGENT = f"kb/{__version__} (knowledge-base harvester)"
RETRY_STATUSES = {500, 502, 503, 504}
MAX_WAIT_SECONDS = 300  # a server asking for longer than this is treated as down


@dataclass
class Client:
    base_url: str
    headers: dict[str, str] = field(default_factory=dict)
    credential_env: str | None = None  # named in 401/403 errors
    attempts: int = 5
    backoff_seconds: float = 1.0
    timeout_seconds: float = 30.0
    sleep: Callable[[float], None] = time.sleep  # tests record the waits instead of sleeping
    requests: int = 0  # made so far, for reports and tests
    last_url: str = ""  # of the latest request, without its query: where a bad response came from

    def __post_init__(self):
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **self.headers},
            timeout=self.timeout_seconds,
            follow_redirects=True,
        )

    def get_json(self, path: str, params: Any = None) -> Any:
        response = self.get(path, params)
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise KbError(f"{_shown(response.request.url)}: the response is not valid JSON") from None

    def post_json(self, path: str, payload: Any) -> Any:
        response = self.request("POST", path, json=payload)
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise KbError(f"{_shown(response.request.url)}: the response is not valid JSON") from None

    def get(self, path: str, params: Any = None) -> httpx.Response:
        return self.request("GET", path, params=params)

    def request(self, method: str, path: str, **options) -> httpx.Response:
        self.last_url = self._where(path)
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            self.requests += 1
            try:
                response = self._http.request(method, path, **options)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if last:
                    raise KbError(f"{self._where(path)}: {_describe(exc)} ({self.attempts} attempts)") from None
                self.sleep(self._backoff(attempt))
                continue
            if response.status_code == 429 or response.status_code in RETRY_STATUSES or _rate_limited(response):
                if last:
                    raise KbError(f"{_shown(response.request.url)}: HTTP {response.status_code} ({self.attempts} attempts)")
                self.sleep(self._wait_for(response, attempt))
                continue
            if response.status_code in (401, 403):
                hint = f"; check the credential in ${self.credential_env}" if self.credential_env else ""
                raise KbError(f"{_shown(response.request.url)}: HTTP {response.status_code} (not allowed){_said(response)}{hint}")
            if response.status_code >= 400:
                raise KbError(f"{_shown(response.request.url)}: HTTP {response.status_code}{_said(response)}")
            return response
        raise AssertionError("unreachable")  # the loop returns or raises on its last attempt

    def _wait_for(self, response: httpx.Response, attempt: int) -> float:
        asked = _retry_after(response.headers.get("Retry-After"))
        if asked is None and response.headers.get("x-ratelimit-remaining") == "0":
            asked = _until_reset(response.headers.get("x-ratelimit-reset"))
        if asked is None:
            return self._backoff(attempt)
        if asked > MAX_WAIT_SECONDS:
            raise KbError(f"{_shown(response.request.url)}: the server asks to wait {asked:.0f}s (HTTP {response.status_code})")
        return asked

    def _backoff(self, attempt: int) -> float:
        # Full jitter: spread the retries of many clients instead of synchronising them.
        return random.uniform(0, self.backoff_seconds * 2 ** (attempt - 1))

    def _where(self, path: str) -> str:
        return _shown(httpx.URL(self.base_url).join(path))


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # the other form the header allows: an HTTP date
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _said(response: httpx.Response) -> str:
    """The API's own one-line reason, when it gives one in JSON (GitHub, Stack Exchange, Discourse)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    errors = body.get("errors")
    message = body.get("error_message") or body.get("message") or (
        errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], str) else None)
    return f": {' '.join(str(message).split())[:200]}" if message else ""


def _rate_limited(response: httpx.Response) -> bool:
    # GitHub answers an exhausted quota, and its secondary limits, with 403 rather than 429.
    return response.status_code == 403 and (
        response.headers.get("x-ratelimit-remaining") == "0" or "Retry-After" in response.headers)


def _until_reset(reset: str | None) -> float | None:
    try:
        return max(0.0, float(reset) - time.time()) if reset else None
    except ValueError:
        return None


def _shown(url) -> str:
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _describe(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return f"cannot connect ({exc.__class__.__name__})"
