"""Sign-in through an OpenID Connect provider (TRACKER_OIDC_ISSUER), with Authlib's Flask client.

The flow: the sign-in page's button POSTs (with its CSRF token) to /signin/oidc, which sends the browser to the
provider's authorization endpoint (found by discovery) with a fresh state, nonce and PKCE S256 challenge, all kept
in this browser's session. The provider sends it back to /signin/oidc/callback, where Authlib checks the state,
redeems the code with the verifier and validates the ID token (signature through the provider's JWKS, iss, aud,
exp, iat, nonce); the userinfo endpoint's claims are added. `services.people.identities` then decides who signs in.
"""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import asdict
from typing import Any, cast
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask import Response as FlaskResponse
from flask_login import current_user, login_required
from joserfc.errors import JoseError

from tracker.db import get_session
from tracker.http import limits, reauthentication
from tracker.http.auth import client_address, current_account, provider_configured, require_account
from tracker.http.auth import sign_in as start_signed_in_session
from tracker.http.render import is_htmx, page_or_fragment, see_other
from tracker.http.repeat import local_address
from tracker.http.second_factor import begin_second_step, sealing_key
from tracker.models import SecurityEventKind, User
from tracker.services.errors import DomainError
from tracker.services.people import accounts, identities, second_factor, security_log
from tracker.web.forms import ConfirmLinkForm, LinkAccountForm, ProviderSignInForm

bp = Blueprint("oidc", __name__)

CLIENT_NAME = "provider"
NEXT_KEY = "oidc_next"
LINK_KEY = "oidc_link"
REAUTH_KEY = "oidc_reauth"  # the confirmation under way in this browser: its state, account, device and start
LINK_LIFETIME = 600  # seconds a provider account waits, in this browser, for its owner to confirm the link
METADATA_LIFETIME = 24 * 3600  # discovery is read again after a day (endpoints and keys may move)
TIMEOUT = 10  # seconds for each call to the provider


class ProviderTrouble(Exception):
    """The sign-in through the provider cannot go on; `message` is for the person, `status` for the page."""

    def __init__(self, message: str, status: int = 400, title: str = "Sign-in did not work"):
        super().__init__(message)
        self.message, self.status, self.title = message, status, title


# ---------------------------------------------------------------- the client

def provider_name() -> str:
    return str(current_app.config.get("OIDC_PROVIDER_NAME") or "your identity provider")


def directory_policy() -> identities.DirectoryPolicy:
    config = current_app.config
    return identities.DirectoryPolicy(
        issuer=config["OIDC_ISSUER"], provider_name=provider_name(), groups_claim=config["OIDC_GROUPS_CLAIM"],
        admin_groups=frozenset(config["OIDC_ADMIN_GROUPS"]), mentor_groups=frozenset(config["OIDC_MENTOR_GROUPS"]),
        create_groups=bool(config["OIDC_CREATE_GROUPS"]), break_glass=frozenset(config["BREAK_GLASS_ADMINS"]))


def _client() -> Any:
    """This app's Authlib client for the configured provider (made on first use; a changed setting makes a new
    one). Returns Authlib's FlaskOAuth2App, which ships no type information."""
    identities.require_provider(configured=provider_configured())
    config = current_app.config
    key = (config["OIDC_ISSUER"], config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"], config["OIDC_SCOPES"])
    made = current_app.extensions.get("tracker.oidc")
    if made is None or made[0] != key:
        oauth = OAuth(current_app)
        client = oauth.register(
            CLIENT_NAME, client_id=key[1], client_secret=key[2],
            server_metadata_url=key[0].rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": key[3], "code_challenge_method": "S256", "default_timeout": TIMEOUT})
        made = (key, client)
        current_app.extensions["tracker.oidc"] = made
    client = made[1]
    loaded = client.server_metadata.get("_loaded_at")
    if loaded is not None and time.time() - loaded > METADATA_LIFETIME:
        client.server_metadata.clear()
    return client


def _metadata() -> dict[str, Any]:
    """The provider's discovery document; ProviderTrouble when it cannot be read or is not the issuer's."""
    client = _client()
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as exc:
        client.server_metadata.clear()
        current_app.logger.warning("OpenID provider discovery failed: %s", exc)
        raise ProviderTrouble(f"{provider_name()} cannot be reached just now, so signing in with it does not "
                              "work. Try again in a few minutes, or ask your administrator.", 503,
                              title=f"{provider_name()} does not answer") from None
    if metadata.get("issuer") != current_app.config["OIDC_ISSUER"]:
        client.server_metadata.clear()
        raise ProviderTrouble(f"{provider_name()}'s configuration names another issuer than the one this tracker "
                              "trusts; nobody can sign in with it until an administrator fixes the setting.", 502)
    return dict(metadata)


def form_action_origins() -> list[str]:
    """Where this site's forms may lead (the CSP's form-action): the provider's, for the sign-in button and for
    signing out there."""
    if not provider_configured():
        return []
    origins = {_origin(current_app.config["OIDC_ISSUER"])}
    made = current_app.extensions.get("tracker.oidc")
    if made is not None:
        for endpoint in ("authorization_endpoint", "end_session_endpoint"):
            if isinstance(made[1].server_metadata.get(endpoint), str):
                origins.add(_origin(made[1].server_metadata[endpoint]))
    return sorted(origins)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _public(endpoint: str) -> str:
    """This tracker's address for `endpoint` under TRACKER_PUBLIC_URL (what is registered at the provider)."""
    return current_app.config["PUBLIC_URL"] + url_for(endpoint)


# ---------------------------------------------------------------- pages

def _trouble_page(trouble: ProviderTrouble):
    return page_or_fragment("oidc/failed.html", block="failure", status=trouble.status, trouble=trouble,
                            provider=provider_name())


@bp.get("/signin/oidc")
def start_page():
    """A page with the button alone, for links into the tracker (a provider's app launcher): going to the provider
    is a POST with this site's CSRF token, never a visit any page could make."""
    _client()
    form = ProviderSignInForm(next=local_address(request.args.get("next", "")) or "")
    return page_or_fragment("oidc/start.html", provider=provider_name(), form=form)


@bp.post("/signin/oidc")
def start():
    """Off to the provider, with a new state, nonce and PKCE challenge kept in this browser's session."""
    client = _client()
    form = ProviderSignInForm()
    try:
        _metadata()
        _forget_older_sign_ins()
        session[NEXT_KEY] = local_address(form.next.data or "") or url_for("main.index")
        answer = client.authorize_redirect(_public("oidc.callback"))
    except ProviderTrouble as trouble:
        return _trouble_page(trouble)
    if is_htmx():  # a whole-page visit to the provider, never its page inside a fragment
        return "", 200, {"HX-Redirect": answer.location, "Vary": "HX-Request"}
    answer.status_code = 303
    return answer


def _forget_older_sign_ins(keep: int = 2) -> None:
    """Keep the states of this browser's latest sign-ins only: each lives in the session cookie, which must stay
    small however often the button is pressed (an older tab's answer is then refused with a page)."""
    prefix = f"_state_{CLIENT_NAME}_"
    started = sorted((k for k in session if k.startswith(prefix)),
                     key=lambda k: session[k].get("exp", 0) if isinstance(session[k], dict) else 0)
    for key in started[:max(len(started) - keep, 0)]:
        session.pop(key, None)


def _validated_claims(client: Any) -> tuple[dict[str, Any], str]:
    """The provider's claims for this callback (the validated ID token's, then the userinfo endpoint's for the same
    subject) and the ID token itself; ProviderTrouble for every way it can go wrong."""
    metadata = _metadata()
    issuer_given = request.args.get("iss")
    if issuer_given is not None and issuer_given != metadata["issuer"]:  # RFC 9207: an answer from another provider
        raise ProviderTrouble("The answer came from another identity provider than the one this tracker trusts. "
                              "Nothing was changed; sign in again.")
    try:
        token = client.authorize_access_token()
    except MismatchingStateError:
        raise ProviderTrouble("This sign-in was already used, has expired, or was not started in this browser. "
                              "Nothing was changed; start again from the sign-in page.") from None
    except OAuthError as exc:
        if exc.error == "access_denied":
            raise ProviderTrouble(f"You did not allow the tracker to sign you in at {provider_name()} (or it "
                                  "refused). Nothing was changed.", 403, title="Sign-in cancelled") from None
        raise ProviderTrouble(f"{provider_name()} refused the sign-in ({exc.error or 'no reason given'}). Nothing "
                              "was changed; sign in again.") from None
    except requests.RequestException:
        raise ProviderTrouble(f"{provider_name()} did not answer while finishing the sign-in. Nothing was changed; "
                              "try again in a few minutes.", 503) from None
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as exc:
        current_app.logger.warning("OpenID sign-in refused: %r", exc)
        raise ProviderTrouble(f"The identity token from {provider_name()} could not be verified (it may have "
                              "expired, or be meant for someone else). Nothing was changed; sign in again.") from None
    id_token, claims = token.get("id_token"), token.get("userinfo")
    if not isinstance(id_token, str) or not claims:
        raise ProviderTrouble(f"{provider_name()} answered without an identity token. Nothing was changed.")
    claims = dict(claims)
    if metadata.get("userinfo_endpoint"):
        try:
            more = dict(client.userinfo(token=token))
        except (requests.RequestException, AuthlibBaseError, ValueError):
            raise ProviderTrouble(f"{provider_name()} did not say who you are (its userinfo endpoint failed). "
                                  "Nothing was changed; try again.", 503) from None
        if more.get("sub") == claims.get("sub"):  # OpenID Connect Core 5.3.2: another subject's answer is dropped
            claims = {**more, **claims}
    return claims, id_token


@bp.get("/signin/oidc/callback")
def callback():
    """Where the provider sends the browser back: who it is, then signed in, sent to link an account, or refused."""
    client = _client()
    policy = directory_policy()
    pending = session.get(REAUTH_KEY)
    if isinstance(pending, dict) and pending.get("state") == request.args.get("state"):
        session.pop(REAUTH_KEY, None)
        return _reauthenticated(client, policy, pending)
    try:
        raw, id_token = _validated_claims(client)
        claims = identities.read_claims(raw, groups_claim=policy.groups_claim)
        outcome = identities.sign_in_through_provider(session=get_session(), claims=claims, policy=policy)
    except ProviderTrouble as trouble:
        _record(SecurityEventKind.sign_in_failed, detail=f"through {provider_name()}: {trouble.title.lower()}")
        return _trouble_page(trouble)
    except DomainError as exc:  # refused by the rules of accounts or groups: nothing of it is kept
        get_session().rollback()
        _record(SecurityEventKind.sign_in_refused_inactive if isinstance(exc, identities.DeactivatedAccount)
                else SecurityEventKind.sign_in_failed, detail=f"through {provider_name()}: refused")
        return _trouble_page(ProviderTrouble(str(exc), exc.status, title="You cannot sign in this way"))
    next_page = str(session.pop(NEXT_KEY, "") or url_for("main.index"))
    if isinstance(outcome, identities.LinkNeeded):
        session[LINK_KEY] = _seal({"user": outcome.user.id, "at": time.time(), "next": next_page,
                                   "claims": _claims_json(outcome.claims), "id_token": id_token})
        return redirect(url_for("oidc.link"), code=303)
    return _signed_in(outcome, id_token, next_page)


def _signed_in(outcome: identities.SignedIn, id_token: str, next_page: str):
    user = outcome.user
    detail = f"through {provider_name()}" + (", account created" if outcome.created else "") + \
        (", account linked" if outcome.linked and not outcome.created else "")
    _record(SecurityEventKind.sign_in, user=user, detail=detail)
    if outcome.role_change is not None:
        before, after = outcome.role_change
        _record(SecurityEventKind.role_changed, user=user,
                detail=f"{before.value} → {after.value}, from the groups at {provider_name()}")
    start_signed_in_session(user, id_token=id_token)
    if outcome.created:
        flash(f"Welcome, {user.name}! Your account was made from your {provider_name()} sign-in.", "success")
    elif outcome.linked:
        flash(f"Your {provider_name()} account is linked: use it to sign in from now on.", "success")
    if outcome.role_change is not None:
        flash(f"Your role is now {outcome.role_change[1].value}, as your groups at {provider_name()} say.", "info")
    # Flask's redirect and make_response build the app's response class: see_other's type says only werkzeug's.
    return limits.remember_device(cast(FlaskResponse, see_other(next_page)), user.username)


# ---------------------------------------------------------------- confirming who you are again

def _linked_here(user: User) -> bool:
    return any(i.issuer == current_app.config["OIDC_ISSUER"]
               for i in identities.identities_of(session=get_session(), user=user))


@bp.post("/account/confirm-identity")
@login_required
def reauthenticate():
    """Off to the provider again, asking it to make the person sign in there anew (prompt=login, max_age=0): the
    forms that ask for the current password take this instead for five minutes. The same state, nonce and PKCE
    as a sign-in; this browser remembers which round trip is a confirmation, for which account and device."""
    client = _client()
    user = require_account()
    form = ProviderSignInForm()
    form.checked()
    back_to = local_address(form.next.data or "") or url_for("auth.account")
    if not _linked_here(user):
        return _trouble_page(ProviderTrouble(f"Your account is not linked to {provider_name()}: confirm with your "
                                             "password instead.", 403, title="Nothing to confirm with"))
    device = current_user.device
    try:
        _metadata()
        _forget_older_sign_ins()
        answer = client.authorize_redirect(_public("oidc.callback"), prompt="login", max_age=0)
    except ProviderTrouble as trouble:
        return _trouble_page(trouble)
    state = parse_qs(urlsplit(answer.location).query).get("state", [""])[0]
    session[REAUTH_KEY] = {"state": state, "user": user.id, "device": device.id if device is not None else None,
                           "started": time.time(), "next": back_to}
    if is_htmx():
        return "", 200, {"HX-Redirect": answer.location, "Vary": "HX-Request"}
    answer.status_code = 303
    return answer


def _reauthenticated(client: Any, policy: identities.DirectoryPolicy, pending: dict[str, Any]):
    """The provider's answer to a confirmation: the same account, on the same device, asked again just now."""
    user = current_account()
    device = current_user.device if user is not None else None
    try:
        if user is None or device is None or pending.get("user") != user.id or pending.get("device") != device.id:
            raise ProviderTrouble("This confirmation was started for another account or another sign-in. Nothing "
                                  "was confirmed; sign in and try again.", 403, title="Not confirmed")
        raw, _id_token = _validated_claims(client)
        claims = identities.read_claims(raw, groups_claim=policy.groups_claim)
        identities.confirm_reauthentication(session=get_session(), user=user, claims=claims,
                                            auth_time=raw.get("auth_time"), started=float(pending["started"]),
                                            now=time.time(), max_age=reauthentication.REAUTHENTICATION_LIFETIME,
                                            provider=provider_name())
    except ProviderTrouble as trouble:
        _record(SecurityEventKind.access_refused, user=user, detail=f"not confirmed at {provider_name()}: "
                f"{trouble.title.lower()}")
        return _trouble_page(trouble)
    except DomainError as exc:
        _record(SecurityEventKind.access_refused, user=user, detail=f"not confirmed at {provider_name()}: {exc}")
        return _trouble_page(ProviderTrouble(str(exc), exc.status, title="Not confirmed"))
    reauthentication.record_confirmed(user, at=time.time())
    flash(f"Confirmed with {provider_name()}: for five minutes, this device needs no password to make tokens or "
          "change how you sign in.", "success")
    return see_other(str(pending.get("next") or url_for("auth.account")))


def reauthentication_offer(next_page: str) -> dict[str, Any] | None:
    """What a form asking for the current password offers besides it: None without a provider or when the
    account is not linked to it; else the provider's name, when this device confirmed (HH:MM in the person's
    zone) if that still stands, and the "Confirm with …" button's form."""
    user = current_account()
    if user is None or not provider_configured() or not _linked_here(user):
        return None
    at = reauthentication.confirmed_at()
    try:
        zone = ZoneInfo(user.time_zone or "UTC")
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    return {"provider": provider_name(), "confirmed": at.astimezone(zone).strftime("%H:%M") if at else None,
            "form": ProviderSignInForm(formdata=None, next=next_page)}


bp.add_app_template_global(reauthentication_offer)


# ---------------------------------------------------------------- linking an existing account

def _pending_link() -> dict[str, Any] | None:
    """The provider account waiting in this browser to be linked, if it has not waited too long."""
    sealed = session.get(LINK_KEY)
    state = _unseal(sealed) if isinstance(sealed, str) else None
    if state is None or time.time() - float(state.get("at", 0)) > LINK_LIFETIME:
        session.pop(LINK_KEY, None)
        return None
    return state


@bp.route("/signin/oidc/link", methods=["GET", "POST"])
def link():
    """An account here has the email the provider verified: its owner proves it is theirs (the password, then the
    second factor when it has one; or being signed in to it in this browser), and only then is it linked."""
    state = _pending_link()
    if state is None:
        if request.method == "POST":
            flash("Linking waited too long, or was not started in this browser. Sign in again.", "info")
        return redirect(url_for("auth.sign_in"), code=303)
    db = get_session()
    user = accounts.get_user_by_id(session=db, user_id=int(state["user"]))
    claims = identities.ProviderClaims(**{**state["claims"], "groups": frozenset(state["claims"]["groups"])})
    if user is None or not user.is_active:
        session.pop(LINK_KEY, None)
        return _trouble_page(ProviderTrouble("That account is deactivated or gone. Ask an administrator.", 403))
    signed_in_as_owner = _signed_in_as(user)
    form: LinkAccountForm | ConfirmLinkForm = ConfirmLinkForm() if signed_in_as_owner else LinkAccountForm()
    status = 200
    if form.is_submitted():
        status = 400
        if form.validate():
            if signed_in_as_owner or _password_proves(user, form):
                if not signed_in_as_owner and second_factor.has_second_factor(session=db, user=user):
                    # The password alone must not link: the second step first, then this page again, signed in.
                    begin_second_step(user, remember=False, next_page=url_for("oidc.link"),
                                      carry={LINK_KEY: session[LINK_KEY]})
                    return see_other(url_for("second_factor.second_step"))
                return _finish_link(user, claims, state)
    return page_or_fragment("oidc/link.html", block="link", target="link", status=status, form=form, user=user,
                            provider=provider_name(), email=claims.email, signed_in_as_owner=signed_in_as_owner,
                            has_second_factor=second_factor.has_second_factor(session=db, user=user))


def _signed_in_as(user: User) -> bool:
    account = current_account()
    return account is not None and account.id == user.id


def _password_proves(user: User, form: Any) -> bool:
    """Whether the typed password is the account's, counted with the sign-in attempts on that account."""
    with limits.sign_in_attempt(user.username) as attempt:
        try:
            found = accounts.authenticate(session=get_session(), username=user.username,
                                          password=form.password.data or "")
        except accounts.AccountDeactivated:
            found = None
        if found is None:
            _record(SecurityEventKind.sign_in_failed, username=user.username,
                    detail=f"linking a {provider_name()} account")
            form.password.errors = ["That is not the password of this account."]
            return False
        attempt.did_not_count()
        return True


def _finish_link(user: User, claims: identities.ProviderClaims, state: dict[str, Any]):
    session.pop(LINK_KEY, None)
    try:
        outcome = identities.link_and_sign_in(session=get_session(), user=user, claims=claims,
                                              policy=directory_policy())
    except DomainError as exc:
        get_session().rollback()
        return _trouble_page(ProviderTrouble(str(exc), exc.status))
    device = current_user.device if current_user.is_authenticated else None
    if device is not None and _signed_in_as(user):
        # Signed in already (through the second step): this device now signs out at the provider too.
        device.id_token = str(state.get("id_token") or "") or None
        get_session().add(device)
        get_session().commit()
        _record(SecurityEventKind.sign_in, user=user, detail=f"through {provider_name()}, account linked")
        flash(f"Your {provider_name()} account is linked: use it to sign in from now on.", "success")
        return see_other(str(state.get("next") or url_for("main.index")))
    return _signed_in(outcome, str(state.get("id_token") or ""), str(state.get("next") or url_for("main.index")))


def _claims_json(claims: identities.ProviderClaims) -> dict[str, Any]:
    return {**asdict(claims), "groups": sorted(claims.groups)}


def _seal(value: dict[str, Any]) -> str:
    """A value for this browser's session that the browser can neither read nor change (it holds an ID token)."""
    nonce = os.urandom(12)
    sealed = AESGCM(sealing_key()).encrypt(nonce, json.dumps(value).encode(), b"oidc-link")
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def _unseal(text: str) -> dict[str, Any] | None:
    try:
        raw = base64.urlsafe_b64decode(text.encode("ascii"))
        value = json.loads(AESGCM(sealing_key()).decrypt(raw[:12], raw[12:], b"oidc-link"))
    except (ValueError, InvalidTag):
        return None
    return value if isinstance(value, dict) else None


# ---------------------------------------------------------------- signing out there too

def end_session_address(id_token: str | None) -> str | None:
    """Where to send a browser the provider signed in, once it is signed out here (RP-initiated logout): the
    provider's end_session_endpoint with the ID token as hint; None when the provider has none or cannot be asked."""
    if not id_token or not provider_configured():
        return None
    try:
        endpoint = _metadata().get("end_session_endpoint")
    except ProviderTrouble:
        return None
    if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
        return None
    query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": _public("auth.sign_in"),
                       "client_id": current_app.config["OIDC_CLIENT_ID"]})
    return endpoint + ("&" if "?" in endpoint else "?") + query


def _record(kind: SecurityEventKind, *, user: User | None = None, username: str = "", detail: str = "") -> None:
    security_log.record(session=get_session(), kind=kind, user=user, username=username, address=client_address(),
                        detail=detail)

