"""Error answers: a calm page for people, a JSON body for the API. Never a traceback."""

from __future__ import annotations

from flask import Flask, current_app, got_request_exception, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    )


def error_response(status: int, message: str, title: str | None = None):
    if wants_json():
        return {"error": {"status": status, "message": message}}, status
    return render_template("errors/error.html", status=status, title=title or _TITLES.get(status, "Error"),
                           message=message), status


_TITLES = {400: "Bad request", 401: "Sign-in needed", 403: "Not allowed", 404: "Not found",
           405: "Method not allowed", 409: "Conflict", 413: "Too large", 429: "Slow down",
           500: "Something went wrong"}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_response(400, "The request was refused because its security token was missing or expired. "
                                   "Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code >= 500:
            return unexpected_error(error)
        response = error_response(error.code, error.description or _TITLES.get(error.code, "Error"))
        if error.code == 405 and error.valid_methods:
            body, status = response
            return body, status, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if not isinstance(error, InternalServerError):
            current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
            got_request_exception.send(current_app._get_current_object(), exception=error)
        return error_response(500, "Something went wrong on our side. The error was logged; please try again.")
