"""Administration in the API, under /api/v1/admin: users and roles, credentials, the security log, webhooks,
the background jobs and the learning records leaving the app. Every endpoint needs the admin role (and, from a
token, the `admin` scope); each calls the same service the admin pages do."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, request
from pydantic import BaseModel, ConfigDict, Field

from tracker.api.blueprint import bp
from tracker.api.schemas import Items, Public, respond
from tracker.db import get_session
from tracker.http.auth import client_address, password_policy, password_settings, require_account, role_required
from tracker.http.inputs import json_body
from tracker.http.issuer import current_issuer
from tracker.http.openapi import documented
from tracker.jobs import jobs_for, queue
from tracker.models import Credential, Role, SecurityEventKind, User, WebhookEndpoint, utcnow
from tracker.services.errors import Invalid
from tracker.services.people import accounts, administration, security_log, tokens
from tracker.services.people.passwords import PASSWORD_MAX
from tracker.services.records import credentials
from tracker.services.records import deletion as account_deletion
from tracker.services.records import outbox as xapi_outbox
from tracker.services.webhooks import endpoints

# ---------------------------------------------------------------- users and roles


class UserPublic(Public):
    username: str
    name: str
    role: Role
    active: bool
    must_change_password: bool = Field(description="signed in with a temporary password not yet changed")
    created_at: datetime
    live_tokens: int = Field(description="API tokens that still work")


class UserQuery(BaseModel):
    q: str = Field(default="", max_length=64, description="part of a username or display name")


class NewUserBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(max_length=PASSWORD_MAX, description="a temporary password, changed at the first sign-in")
    role: Role = Role.learner
    display_name: str = Field(default="", max_length=80)
    time_zone: str | None = Field(default=None, max_length=64, description="an IANA zone; left out: UTC")


class RoleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role


class ActiveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    active: bool = Field(description="false: sign-in refused, devices signed out, API tokens revoked for good")


class PasswordBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(max_length=PASSWORD_MAX)


class DeleteUserBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirm: str = Field(max_length=64, description="the username again, to confirm")


class RevokedPublic(Public):
    username: str
    devices: int = Field(description="signed-in devices ended")
    tokens: int = Field(description="API tokens revoked")


def _users(found: list[User]) -> list[UserPublic]:
    counts = tokens.live_token_counts(session=get_session(), user_ids=[u.id for u in found])
    return [UserPublic(username=u.username, name=u.name, role=u.role, active=u.is_active,
                       must_change_password=u.must_change_password, created_at=u.created_at,
                       live_tokens=counts.get(u.id, 0)) for u in found]


def _user(username: str) -> User:
    return accounts.require_user(session=get_session(), username=username[:64])


def _changed(user: User):
    get_session().refresh(user)
    return respond(_users([user])[0])


@bp.get("/admin/users")
@role_required(Role.admin)
@documented(summary="Find users by username or display name (admins)", query=UserQuery, response=Items[UserPublic])
def admin_users():
    found = accounts.list_users(session=get_session(), q=request.args.get("q", "")[:64])
    return respond(Items[UserPublic](items=_users(found)))


@bp.get("/admin/users/<username>")
@role_required(Role.admin)
@documented(summary="One user (admins)", response=UserPublic, errors=(404,))
def admin_user(username: str):
    return respond(_users([_user(username)])[0])


@bp.post("/admin/users")
@role_required(Role.admin)
@documented(summary="Make an account with a temporary password its owner changes at the first sign-in (admins)",
            body=NewUserBody, response=UserPublic, status=201)
def create_user():
    """The username and password pass the same checks as signing up (a taken username or a weak password: 400).
    The security log records who made it."""
    body = json_body(NewUserBody, hint='send a JSON object like {"username": "lena", "password": "…"}')
    user = administration.create_account(session=get_session(), admin=require_account(), username=body.username,
                                         password=body.password, policy=password_policy(), role=body.role,
                                         display_name=body.display_name, time_zone=body.time_zone,
                                         address=client_address())
    return respond(_users([user])[0], 201)


@bp.put("/admin/users/<username>/role")
@role_required(Role.admin)
@documented(summary="Change a user's role; their signed-in devices end (admins)", body=RoleBody,
            response=UserPublic, errors=(404,))
def change_user_role(username: str):
    """Taking the admin role from yourself answers 400."""
    body = json_body(RoleBody, hint='send a JSON object like {"role": "mentor"}')
    user = _user(username)
    administration.change_role(session=get_session(), admin=require_account(), user=user, role=body.role,
                               address=client_address())
    return _changed(user)


@bp.put("/admin/users/<username>/active")
@role_required(Role.admin)
@documented(summary="Deactivate or reactivate an account (admins)", body=ActiveBody, response=UserPublic,
            errors=(404,))
def change_user_active(username: str):
    """Deactivating ends every device and revokes every API token for good (reactivating gives none back);
    deactivating yourself answers 400."""
    body = json_body(ActiveBody, hint='send {"active": false} or {"active": true}')
    user = _user(username)
    administration.change_active(session=get_session(), admin=require_account(), user=user, active=body.active,
                                 address=client_address())
    return _changed(user)


@bp.post("/admin/users/<username>/temporary-password")
@role_required(Role.admin)
@documented(summary="Give a user a temporary password, changed at their next sign-in (admins)", body=PasswordBody,
            response=UserPublic, errors=(403, 404))
def set_temporary_password(username: str):
    """Their devices end and their API tokens are revoked; the password passes the usual checks (else 400). With
    local passwords turned off, only a break-glass administrator may have one (else 403, nothing changed)."""
    body = json_body(PasswordBody, hint='send a JSON object like {"password": "…"}')
    user = _user(username)
    administration.give_temporary_password(session=get_session(), admin=require_account(), user=user,
                                           password=body.password, policy=password_policy(),
                                           address=client_address(), **password_settings())
    return _changed(user)


@bp.delete("/admin/users/<username>/tokens")
@role_required(Role.admin)
@documented(summary="Revoke every API token of a user (admins)", response=RevokedPublic, errors=(404,))
def revoke_user_tokens(username: str):
    """The next request with any of them answers 401; the security log records it."""
    user = _user(username)
    count = administration.revoke_tokens_of(session=get_session(), admin=require_account(), user=user,
                                            address=client_address())
    return respond(RevokedPublic(username=user.username, devices=0, tokens=count))


@bp.delete("/admin/users/<username>/sessions")
@role_required(Role.admin)
@documented(summary="Sign a user out on every device and revoke every API token of theirs (admins)",
            response=RevokedPublic, errors=(404,))
def end_user_access(username: str):
    """The account stays usable with its password; what to do when a device or token of theirs may be lost."""
    user = _user(username)
    ended = administration.end_access_of(session=get_session(), admin=require_account(), user=user,
                                         address=client_address())
    return respond(RevokedPublic(username=user.username, devices=ended.devices, tokens=ended.tokens))


@bp.delete("/admin/users/<username>")
@role_required(Role.admin)
@documented(summary="Delete an account and everything personal in it (admins)", body=DeleteUserBody, status=204,
            errors=(404,))
def delete_user(username: str):
    """`confirm` must repeat the username, else 400 and nothing is deleted. Your own account is deleted from
    DELETE /me, which asks for your password (403 here)."""
    body = json_body(DeleteUserBody, hint='send {"confirm": "<the username>"}')
    user = _user(username)
    if body.confirm.strip().lower() != user.username:
        raise Invalid(f"confirm: type '{user.username}' to confirm; nothing was deleted.")
    account_deletion.delete_user(session=get_session(), admin=require_account(), user=user)
    return "", 204


# ---------------------------------------------------------------- credentials

class IssuedCredentialPublic(Public):
    id: int = Field(description="the number revoke and re-grant take")
    public_id: str
    learner: str | None = Field(description="null: the learner deleted the account (a status-only record)")
    path: str
    title: str
    version: int
    issued_at: datetime
    url: str
    revoked: bool
    revoked_at: datetime | None
    revoked_reason: str


class CredentialQuery(BaseModel):
    username: str = Field(default="", max_length=64, description="only this learner's")


class ReasonBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=2000, description="shown to verifiers (revoking) or kept in the security log "
                                                     "(re-granting)")


def _issued(view: credentials.CredentialView) -> IssuedCredentialPublic:
    c = view.credential
    return IssuedCredentialPublic(id=c.id, public_id=c.public_id, learner=view.learner.username if view.learner
                                  else None, path=c.path_slug, title=c.path_title, version=c.path_version,
                                  issued_at=c.issued_at, url=current_issuer().credential_url(c.public_id),
                                  revoked=view.revoked, revoked_at=c.revoked_at, revoked_reason=c.revoked_reason)


def _changed_credential(credential: Credential) -> IssuedCredentialPublic:
    learner = get_session().get(User, credential.user_id) if credential.user_id is not None else None
    return _issued(credentials.CredentialView(credential=credential, learner=learner))


@bp.get("/admin/credentials")
@role_required(Role.admin)
@documented(summary="The credentials issued, newest first (admins)", query=CredentialQuery,
            response=Items[IssuedCredentialPublic])
def admin_credentials():
    rows = credentials.all_credentials(session=get_session(), username=request.args.get("username", "")[:64])
    return respond(Items[IssuedCredentialPublic](items=[_issued(view) for view in rows]))


@bp.post("/admin/credentials/<id:credential_id>/revoke")
@role_required(Role.admin)
@documented(summary="Revoke a credential with a reason verifiers are shown (admins)", body=ReasonBody,
            response=IssuedCredentialPublic, errors=(404, 409))
def revoke_credential(credential_id: int):
    """Its bit in the status list turns on at once and its xAPI statement is voided; one already revoked: 409."""
    body = json_body(ReasonBody, hint='send a JSON object like {"reason": "…"}')
    credential = credentials.revoke(session=get_session(), admin=require_account(), credential_id=credential_id,
                                    reason=body.reason, now=utcnow(), site=current_app.config["PUBLIC_URL"])
    return respond(_changed_credential(credential))


@bp.post("/admin/credentials/<id:credential_id>/regrant")
@role_required(Role.admin)
@documented(summary="Give a revoked credential back, with a reason the security log keeps (admins)",
            body=ReasonBody, response=IssuedCredentialPublic, errors=(404, 409))
def regrant_credential(credential_id: int):
    """It verifies again and a fresh `completed` statement is sent; one that is not revoked: 409."""
    body = json_body(ReasonBody, hint='send a JSON object like {"reason": "…"}')
    credential = credentials.regrant(session=get_session(), admin=require_account(), credential_id=credential_id,
                                     reason=body.reason, now=utcnow(), site=current_app.config["PUBLIC_URL"],
                                     address=client_address())
    return respond(_changed_credential(credential))


# ---------------------------------------------------------------- the security log

class SecurityEventPublic(Public):
    id: int
    kind: SecurityEventKind
    username: str
    address: str
    detail: str
    created_at: datetime


class SecurityQuery(BaseModel):
    kind: SecurityEventKind | None = None
    username: str = Field(default="", max_length=64)


@bp.get("/admin/security-events")
@role_required(Role.admin)
@documented(summary="The latest 200 security events, newest first, by kind or username (admins)",
            query=SecurityQuery, response=Items[SecurityEventPublic])
def security_events():
    kind_name = request.args.get("kind", "")
    try:
        kind = SecurityEventKind(kind_name) if kind_name else None
    except ValueError:
        raise Invalid(f"kind: unknown event kind '{kind_name[:40]}'.") from None
    events = security_log.search(session=get_session(), kind=kind, username=request.args.get("username", "")[:64])
    return respond(Items[SecurityEventPublic](items=[
        SecurityEventPublic(id=e.id, kind=e.kind, username=e.username, address=e.address, detail=e.detail,
                            created_at=e.created_at) for e in events]))


# ---------------------------------------------------------------- webhooks

class DeliveryPublic(Public):
    message_id: str = Field(description="the event's webhook-id, the same on every try")
    event_type: str
    attempt: int
    status_code: int | None
    error: str
    delivered: bool
    at: datetime


class WebhookPublic(Public):
    id: int
    url: str
    events: list[str]
    enabled: bool
    created_at: datetime
    deliveries: list[DeliveryPublic] = Field(description="the latest tries, newest first")


class NewWebhookPublic(WebhookPublic):
    secret: str = Field(description="the signing secret (Standard Webhooks): shown in this answer only")


class WebhookBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2000, description="where each event is POSTed, as https://example.com/hooks")
    events: list[str] = Field(max_length=50, description="the event types to send: " + ", ".join(
        kind.value for kind in endpoints.SUBSCRIBABLE))


class EnabledBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool


def _webhook(found: WebhookEndpoint, deliveries=()) -> WebhookPublic:
    return WebhookPublic(id=found.id, url=found.url, events=[e for e in found.events.split(",") if e],
                         enabled=found.enabled, created_at=found.created_at,
                         deliveries=[DeliveryPublic(message_id=d.message_id, event_type=d.event_type,
                                                    attempt=d.attempt, status_code=d.status_code, error=d.error,
                                                    delivered=d.delivered, at=d.at) for d in deliveries])


@bp.get("/admin/webhooks")
@role_required(Role.admin)
@documented(summary="The webhook endpoints with their latest deliveries (admins)", response=Items[WebhookPublic])
def admin_webhooks():
    logs = endpoints.recent_deliveries(session=get_session(), admin=require_account())
    return respond(Items[WebhookPublic](items=[_webhook(log.endpoint, log.deliveries) for log in logs]))


@bp.post("/admin/webhooks")
@role_required(Role.admin)
@documented(summary="Add a webhook endpoint; its secret is in this answer only (admins)", body=WebhookBody,
            response=NewWebhookPublic, status=201)
def add_webhook():
    body = json_body(WebhookBody, hint='send {"url": "https://…", "events": ["progress.marked"]}')
    created = endpoints.add_endpoint(session=get_session(), admin=require_account(), url=body.url,
                                     event_types=body.events, now=utcnow())
    return respond(NewWebhookPublic(**_webhook(created).model_dump(), secret=created.secret), 201)


@bp.put("/admin/webhooks/<id:endpoint_id>/enabled")
@role_required(Role.admin)
@documented(summary="Switch a webhook endpoint off (nothing is sent, not even queued tries) or on (admins)",
            body=EnabledBody, response=WebhookPublic, errors=(404,))
def enable_webhook(endpoint_id: int):
    body = json_body(EnabledBody, hint='send {"enabled": false} or {"enabled": true}')
    found = endpoints.set_enabled(session=get_session(), admin=require_account(), endpoint_id=endpoint_id,
                                  enabled=body.enabled)
    return respond(_webhook(found))


@bp.delete("/admin/webhooks/<id:endpoint_id>")
@role_required(Role.admin)
@documented(summary="Delete a webhook endpoint with its delivery log (admins)", status=204, errors=(404,))
def delete_webhook(endpoint_id: int):
    endpoints.delete_endpoint(session=get_session(), admin=require_account(), endpoint_id=endpoint_id)
    return "", 204


@bp.post("/admin/webhooks/<id:endpoint_id>/test")
@role_required(Role.admin)
@documented(summary="Send a webhook.test event to one endpoint (admins)", status=202, errors=(404,))
def test_webhook(endpoint_id: int):
    """Queued at once; its delivery shows in GET /admin/webhooks."""
    endpoints.send_test_event(session=get_session(), admin=require_account(), endpoint_id=endpoint_id, now=utcnow())
    return "", 202


# ---------------------------------------------------------------- background jobs

class FailedJobPublic(Public):
    id: str
    name: str
    error: str
    failed_at: datetime
    tries: int


class JobsPublic(Public):
    queued: int = Field(description="ready to run now")
    waiting: int = Field(description="retries waiting for their time")
    running: int
    failed: int
    oldest_queued_seconds: float
    failed_jobs: list[FailedJobPublic] = Field(description="jobs that failed for good, the latest first")


class RetriedJobPublic(Public):
    id: str = Field(description="the new job's id")


def _jobs() -> queue.Jobs:
    return jobs_for(current_app._get_current_object())  # type: ignore[attr-defined]  # a proxy typed as Flask


def _job_id(job_id: str) -> str:
    if len(job_id) > 36:
        raise queue.JobGone(job_id[:36])
    return job_id


@bp.get("/admin/jobs")
@role_required(Role.admin)
@documented(summary="The background jobs' queue and the jobs that failed for good (admins)", response=JobsPublic)
def admin_jobs():
    jobs = _jobs()
    counts = queue.job_counts(jobs)
    return respond(JobsPublic(queued=counts.queued, waiting=counts.waiting, running=counts.running,
                              failed=counts.failed, oldest_queued_seconds=counts.oldest_queued_seconds,
                              failed_jobs=[FailedJobPublic(id=j.id, name=j.name, error=j.error, failed_at=j.failed_at,
                                                           tries=j.tries) for j in queue.failed_jobs(jobs)]))


@bp.post("/admin/jobs/failed/<job_id>/retry")
@role_required(Role.admin)
@documented(summary="Queue a failed job again (admins)", response=RetriedJobPublic, status=202, errors=(404,))
def retry_job(job_id: str):
    """A job already retried or discarded (another admin, a second call) answers 404: it is queued once."""
    return respond(RetriedJobPublic(id=queue.retry_failed(_jobs(), _job_id(job_id))), 202)


@bp.delete("/admin/jobs/failed/<job_id>")
@role_required(Role.admin)
@documented(summary="Discard a failed job (admins)", status=204, errors=(404,))
def discard_job(job_id: str):
    queue.discard_failed(_jobs(), _job_id(job_id))
    return "", 204


# ---------------------------------------------------------------- learning records (the xAPI outbox)

class RefusedPublic(Public):
    statement_id: str
    learner: str = Field(description="the username the statement is about")
    summary: str = Field(description="its verb and object, in a few words")
    refused_at: datetime | None
    answer: str = Field(description="the Learning Record Store's last answer")
    attempts: int


class RecordsPublic(Public):
    store: str | None = Field(description="the Learning Record Store's address; null when none is set up")
    waiting: int
    sent: int
    refused: int = Field(description="waiting statements the store refused")
    discarded: int
    last_error: str
    next_attempt_at: datetime | None
    refused_statements: list[RefusedPublic] = Field(description="the latest 100 refused, most recent first")


class SentPublic(Public):
    queued: int = Field(description="statements newly queued")
    sent: int
    failed: str = Field(description="the last error, if a batch failed (the rest is retried later)")


class RetriedPublic(Public):
    due: int = Field(description="refused statements made due again")
    sent: int
    still_refused: int
    failed: str
    message: str


def _store():
    return xapi_outbox.record_store_from_config(current_app.config)


@bp.get("/admin/records")
@role_required(Role.admin)
@documented(summary="The xAPI outbox: what waits, what was sent, and the statements the store refused (admins)",
            response=RecordsPublic)
def admin_records():
    session = get_session()
    store, state = _store(), xapi_outbox.outbox_state(session=session)
    return respond(RecordsPublic(
        store=store.endpoint if store else None, waiting=state.waiting, sent=state.sent, refused=state.refused,
        discarded=state.discarded, last_error=state.last_error, next_attempt_at=state.next_attempt_at,
        refused_statements=[RefusedPublic(statement_id=r.row.statement_id, learner=r.learner, summary=r.summary,
                                          refused_at=r.row.refused_at, answer=r.row.last_error,
                                          attempts=r.row.attempts)
                            for r in xapi_outbox.refused_statements(session=session)]))


@bp.post("/admin/records/push")
@role_required(Role.admin)
@documented(summary="Queue what is new and send what is due now (admins)", response=SentPublic, errors=(400,))
def push_records():
    """400 when no Learning Record Store is set up."""
    result = xapi_outbox.send_now(session=get_session(), store=_store(), site=current_app.config["PUBLIC_URL"],
                                  now=utcnow())
    return respond(SentPublic(queued=result.queued, sent=result.sent, failed=result.failed))


def _retried(statement_id: str | None):
    result = xapi_outbox.retry_and_send(session=get_session(), admin=require_account(), store=_store(), now=utcnow(),
                                        statement_id=statement_id)
    return respond(RetriedPublic(due=result.due, sent=result.sent, still_refused=result.still_refused,
                                 failed=result.failed, message=result.sentence()))


@bp.post("/admin/records/refused/retry")
@role_required(Role.admin)
@documented(summary="Send every refused statement again (admins)", response=RetriedPublic)
def retry_refused_statements():
    return _retried(None)


@bp.post("/admin/records/refused/<statement_id>/retry")
@role_required(Role.admin)
@documented(summary="Send one refused statement again (admins)", response=RetriedPublic, errors=(404, 409))
def retry_refused_statement(statement_id: str):
    """Sent or discarded in the meantime: 409."""
    return _retried(statement_id[:36])


@bp.delete("/admin/records/refused/<statement_id>")
@role_required(Role.admin)
@documented(summary="Discard a refused statement: kept, marked, never sent; the security log records it (admins)",
            status=204, errors=(404, 409))
def discard_refused_statement(statement_id: str):
    xapi_outbox.discard_refused(session=get_session(), admin=require_account(), statement_id=statement_id[:36],
                                now=utcnow(), address=client_address())
    return "", 204
