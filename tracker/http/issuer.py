"""This site as the issuer of its completion credentials, from the app's settings (pages and API alike)."""

from __future__ import annotations

from flask import current_app

from tracker.services.records.signing_keys import ISSUER_NAME, Issuer


def current_issuer() -> Issuer:
    """This site as the issuer of its credentials: TRACKER_PUBLIC_URL, its name, the key in the data dir."""
    config = current_app.config
    return Issuer(url=config["PUBLIC_URL"], data_dir=config["DATA_DIR"],
                  name=config.get("CREDENTIAL_ISSUER_NAME") or ISSUER_NAME)
