"""Fetch an `http(s)://` input with httpx: bounded in time, size and redirects, one-line errors, and nothing at all
when the user said to stay offline (HF_HUB_OFFLINE=1 or ARSUM_OFFLINE=1)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from arsum.errors import InputError

_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 10.0  # seconds to open the connection
READ_TIMEOUT = 30.0  # seconds without a byte from the server
_TEXTUAL = ("text/html", "application/xhtml+xml", "text/plain")
_OFFLINE_VARS = ("ARSUM_OFFLINE", "HF_HUB_OFFLINE")
_TRUE = {"1", "true", "yes", "on"}


def is_url(item: str) -> bool:
    """An `http://` or `https://` input (no other scheme is ever fetched)."""
    return _URL.match(item) is not None


def offline() -> str | None:
    """The variable that keeps arsum offline (ARSUM_OFFLINE, HF_HUB_OFFLINE set to 1/true/yes/on), or None."""
    return next((var for var in _OFFLINE_VARS if os.environ.get(var, "").strip().lower() in _TRUE), None)


@dataclass(frozen=True)
class Page:
    """The bytes of one fetched page, as the server sent them, and what it said they are."""

    url: str  # after redirects
    data: bytes
    content_type: str  # the media type alone, lower case (`text/html`)

    @property
    def is_html(self) -> bool:
        return self.content_type != "text/plain"


def fetch(url: str, *, max_bytes: int, timeout: float = READ_TIMEOUT, connect_timeout: float = CONNECT_TIMEOUT) -> Page:
    """The page at `url`, at most `max_bytes` bytes, following at most MAX_REDIRECTS redirects; any failure is an
    InputError naming the URL, in one line."""
    var = offline()
    if var is not None:
        raise InputError(url, f"not fetched: {var} is set (offline); save the page and give the file instead")
    import httpx

    limits = httpx.Timeout(timeout, connect=connect_timeout)
    headers = {"User-Agent": "arsum (news summarizer)", "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9"}
    try:
        with httpx.Client(follow_redirects=True, max_redirects=MAX_REDIRECTS, timeout=limits, headers=headers) as client, \
                client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise InputError(url, f"HTTP {response.status_code} {response.reason_phrase}".rstrip())
            media = response.headers.get("content-type", "text/html").split(";")[0].strip().lower() or "text/html"
            if media not in _TEXTUAL:
                raise InputError(url, f"not a web page or text (content type {_printable(media)})")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise InputError(url, f"page is {declared} bytes, above the --max-bytes limit of {max_bytes}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise InputError(url, f"page is more than {max_bytes} bytes, above the --max-bytes limit")
                chunks.append(chunk)
            return Page(url=str(response.url), data=b"".join(chunks), content_type=media)
    except httpx.TooManyRedirects:
        raise InputError(url, f"more than {MAX_REDIRECTS} redirects") from None
    except httpx.TimeoutException:
        raise InputError(url, f"timed out (no answer within {max(timeout, connect_timeout):g} s)") from None
    except httpx.UnsupportedProtocol:
        raise InputError(url, "redirected to an address that is not http(s)") from None
    except httpx.InvalidURL as err:
        raise InputError(url, f"invalid URL ({_first_line(err)})") from None
    except httpx.HTTPError as err:
        raise InputError(url, f"cannot fetch: {_first_line(err) or type(err).__name__}") from None


def _first_line(err: BaseException) -> str:
    return _printable(str(err).strip().split("\n")[0])[:200]


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in text)
