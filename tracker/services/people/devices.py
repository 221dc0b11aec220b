"""What a signed-in device is called on the account page: "Chrome on Linux", "Safari on iPhone"."""

from __future__ import annotations

from functools import lru_cache

from ua_parser import parse

# Device families that say less than the operating system does ("Mac", a generic phone): the system is named.
_VAGUE_DEVICES = {"Other", "Mac", "Generic Smartphone", "Generic Feature Phone", "Generic Tablet", "Spider", "K"}
_SYSTEM_NAMES = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}


@lru_cache(maxsize=512)
def device_name(user_agent: str) -> str:
    """A readable name for the browser behind a User-Agent header; "Unknown browser" when it says nothing."""
    if not user_agent.strip():
        return "Unknown browser"
    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent and result.user_agent.family != "Other" else ""
    browser = browser.removeprefix("Mobile ").removesuffix(" Mobile").removesuffix(" Mobile WebView")
    device = result.device.family if result.device and result.device.family not in _VAGUE_DEVICES else ""
    system = result.os.family if result.os and result.os.family != "Other" else ""
    place = device or _SYSTEM_NAMES.get(system, system)
    if browser and place:
        return f"{browser} on {place}"
    return browser or place or "Unknown browser"
