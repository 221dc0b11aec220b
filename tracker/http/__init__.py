"""The HTTP boundary shared by the pages (`tracker.web`) and the API (`tracker.api`).

- `inputs`: route converters and checks that bound what a client can send
- `auth`: who is asking, and the role guards
- `errors`: domain errors and HTTP errors mapped once to a page, a fragment or JSON
- `render`: the page-or-fragment choice
- `downloads`: files to save (no caching, spreadsheet-safe CSV)
- `observability`: request ids, the access log and request metrics
- `issuer`: this site as the issuer of credentials, its keys, and the 503 when they cannot be read
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from tracker.http import auth, errors, inputs, issuer, observability

    observability.init_app(app)
    inputs.init_app(app)
    errors.init_app(app)
    issuer.init_app(app)
    auth.init_app(app)
