"""This site as the issuer of its completion credentials, from the app's settings (pages and API alike)."""

from __future__ import annotations

from flask import Flask, current_app

from tracker.db import get_engine
from tracker.http.errors import error_response
from tracker.services.records.signing_keys import ISSUER_NAME, CredentialKeyError, Issuer, KeyStore, sealing_key


def key_store() -> KeyStore:
    """Where this site's signing keys are kept: the database, sealed with a key derived from TRACKER_SECRET_KEY
    (and the data dir, for key files an earlier version left there to import)."""
    config = current_app.config
    return KeyStore(engine=get_engine(), sealing_key=sealing_key(config["SECRET_KEY"]), data_dir=config["DATA_DIR"])


def current_issuer() -> Issuer:
    """This site as the issuer of its credentials: TRACKER_PUBLIC_URL, its name, the keys in the database."""
    config = current_app.config
    return Issuer(url=config["PUBLIC_URL"], store=key_store(),
                  name=config.get("CREDENTIAL_ISSUER_NAME") or ISSUER_NAME)


def keys_unavailable(error: CredentialKeyError):
    """The signing keys cannot be read (a wrong secret key, a damaged row): the operator's log says why; the
    visitor gets a 503 that says credentials cannot be checked now, never a 500."""
    current_app.logger.error("Credential signing keys unavailable: %s", error)
    return error_response(503, "Credentials cannot be signed or checked right now; the site's operator has been "
                               "told. Please try again later.")


def init_app(app: Flask) -> None:
    app.register_error_handler(CredentialKeyError, keys_unavailable)
