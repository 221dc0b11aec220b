"""The account page names each signed-in device ("Chrome on Linux"), never its raw User-Agent header."""

from tests.conftest import PASSWORD
from tests.services.people.test_devices import CHROME_LINUX, SAFARI_IPHONE


def test_signed_in_devices_are_named_not_shown_as_raw_user_agents(make_client):
    phone = make_client()
    assert phone.post("/signin", data={"username": "lena", "password": PASSWORD},
                      headers={"User-Agent": SAFARI_IPHONE}).status_code == 302
    laptop = make_client()
    assert laptop.post("/signin", data={"username": "lena", "password": PASSWORD},
                       headers={"User-Agent": CHROME_LINUX}).status_code == 302
    page = laptop.get("/account", headers={"User-Agent": CHROME_LINUX}).get_data(as_text=True)
    devices = page.split('id="devices-heading"')[1].split("</section>")[0]
    assert "Chrome on Linux" in devices and "Safari on iPhone" in devices
    assert "Mozilla/5.0" not in devices and "AppleWebKit" not in devices
