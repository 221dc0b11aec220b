"""Your account's access in the API: API tokens and signed-in devices (listing and ending them), where your
notifications are posted to a chat, and signing out everywhere.

Making a token is not here: it asks for the password on the account page, so a token (or a stolen session)
cannot mint tokens that outlive a password change.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_login import current_user, login_required
from pydantic import BaseModel, ConfigDict, Field

from tracker.api.blueprint import bp
from tracker.api.schemas import Items, Public, respond
from tracker.db import get_session
from tracker.http.auth import client_address, require_account, session_policy
from tracker.http.inputs import json_body
from tracker.http.openapi import documented
from tracker.models import TokenScope, utcnow
from tracker.services.notifications import chat
from tracker.services.people import administration, sessions, tokens
from tracker.services.people.devices import device_name


class TokenPublic(Public):
    id: int
    name: str
    hint: str = Field(description="the token's first characters, to tell tokens apart (never the secret)")
    scope: TokenScope
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None = Field(description="null: until revoked")
    revoked_at: datetime | None
    current: bool = Field(description="the token this request was made with")


class DevicePublic(Public):
    id: int
    device: str = Field(description='the browser and system, such as "Chrome on Linux"')
    address: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    current: bool = Field(description="the browser this request came from")


class EndedPublic(Public):
    devices: int = Field(description="signed-in devices ended")
    tokens: int = Field(description="API tokens revoked (this request's own token included)")


class ChatPublic(Public):
    url: str = Field(description='the incoming-webhook URL your notifications are posted to ("" when none)')


class ChatBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000, description='a Slack or Microsoft Teams incoming-webhook URL (https); "" '
                                                  "stops posting")


@bp.get("/me/tokens")
@login_required
@documented(summary="Your API tokens, revoked and expired ones included (never their secrets)",
            response=Items[TokenPublic])
def my_tokens():
    own = current_user.api_token.id if current_user.api_token is not None else None
    return respond(Items[TokenPublic](items=[
        TokenPublic(id=t.id, name=t.name, hint=t.hint, scope=t.scope, created_at=t.created_at,
                    last_used_at=t.last_used_at, expires_at=t.expires_at, revoked_at=t.revoked_at,
                    current=t.id == own)
        for t in tokens.list_tokens(session=get_session(), user=require_account())]))


@bp.delete("/me/tokens/<id:token_id>")
@login_required
@documented(summary="Revoke one of your API tokens (the security log keeps it)", status=204, errors=(404,))
def revoke_my_token(token_id: int):
    """Requests with it answer 401 from now on; revoking the token you call with works too."""
    administration.revoke_own_token(session=get_session(), user=require_account(), token_id=token_id,
                                    address=client_address())
    return "", 204


@bp.get("/me/sessions")
@login_required
@documented(summary="Your signed-in devices, most recently seen first", response=Items[DevicePublic])
def my_devices():
    own = current_user.device.id if current_user.device is not None else None
    return respond(Items[DevicePublic](items=[
        DevicePublic(id=d.id, device=device_name(d.user_agent), address=d.address, created_at=d.created_at,
                     last_seen_at=d.last_seen_at, expires_at=d.expires_at, current=d.id == own)
        for d in sessions.live_sessions(session=get_session(), user=require_account(), policy=session_policy())]))


@bp.delete("/me/sessions/<id:session_id>")
@login_required
@documented(summary="Sign one of your devices out", status=204, errors=(404,))
def end_my_device(session_id: int):
    administration.end_own_session(session=get_session(), user=require_account(), session_id=session_id,
                                   address=client_address())
    return "", 204


@bp.post("/me/sessions/end-all")
@login_required
@documented(summary="Sign out everywhere: every device ends and every API token is revoked, this one too",
            response=EndedPublic)
def sign_out_everywhere():
    """What to do when a device or a token may be in the wrong hands; the next request with any token answers
    401."""
    ended = administration.sign_out_everywhere(session=get_session(), user=require_account(),
                                               address=client_address())
    return respond(EndedPublic(devices=ended.devices, tokens=ended.tokens))


@bp.get("/me/chat")
@login_required
@documented(summary="Where your notifications are also posted (a Slack or Teams incoming webhook)",
            response=ChatPublic)
def my_chat():
    return respond(ChatPublic(url=require_account().chat_webhook_url))


@bp.put("/me/chat")
@login_required
@documented(summary="Post your new notifications to a chat, or stop (\"\")", body=ChatBody, response=ChatPublic)
def set_my_chat():
    """Only https URLs on Slack's or Microsoft's hosts (or those the operator allows) are taken; the
    notifications you already have are not posted."""
    body = json_body(ChatBody, hint='send a JSON object like {"url": "https://hooks.slack.com/services/…"}')
    user = chat.set_chat_url(session=get_session(), user=require_account(), url=body.url,
                             hosts=current_app.config["CHAT_HOSTS"], now=utcnow())
    return respond(ChatPublic(url=user.chat_webhook_url))
