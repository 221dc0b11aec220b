"""What each page does in the JSON API: every page route, by method and endpoint, maps to the API operations that
do the same (as "METHOD /api/v1/path", the way the OpenAPI document names them), or to `Exempt(reason)`.

`test_parity.py` walks the URL map: a page route missing here, an operation the document does not have, or an
entry for a route that is gone fails, naming it. A new page route needs a line here: its API counterpart, or why
it has none. Blueprints added later (groups, their admin pages) add their lines the same way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exempt:
    """A page route with no API counterpart, and why."""

    reason: str


CEREMONY = Exempt("a sign-in, sign-up, setup or second-factor ceremony: a browser's, with its cookies and "
                  "challenges; a script signs in with a personal API token")
PASSWORD = Exempt("asks for the current password, which a token must not be able to spend: a stolen token cannot "
                  "change the password or mint tokens that outlive it")
HTML_HELPER = Exempt("an HTML-only helper of another page (a fragment, a confirmation step or a download of what "
                     "the API answers as JSON)")
PUBLIC_DOCUMENT = Exempt("a public machine-readable document already (keys, status list, badge, credential files): "
                         "verifiers fetch it as it is, without an account")
OPERATIONS = Exempt("a probe or metric for the operator's monitoring, not a user's page")

PARITY: dict[str, tuple[str, ...] | Exempt] = {
    # ---------------------------------------------------------------- signing in, the account (auth)
    "GET auth.setup": CEREMONY,
    "POST auth.setup": CEREMONY,
    "GET auth.sign_in": CEREMONY,
    "POST auth.sign_in": CEREMONY,
    "GET auth.sign_up": CEREMONY,
    "POST auth.sign_up": CEREMONY,
    "POST auth.sign_out": ("POST /api/v1/me/sessions/end-all", "DELETE /api/v1/me/sessions/{session_id}"),
    "GET auth.account": ("GET /api/v1/me", "GET /api/v1/me/tokens", "GET /api/v1/me/sessions", "GET /api/v1/me/chat"),
    "POST auth.change_password": PASSWORD,
    "GET oidc.start_page": CEREMONY,
    "POST oidc.start": CEREMONY,
    "GET oidc.callback": CEREMONY,
    "GET oidc.link": CEREMONY,
    "POST oidc.link": CEREMONY,
    "POST oidc.reauthenticate": Exempt("confirms the current person at the identity provider, in place of the "
                                       "current password: a token cannot, and the forms it unlocks are pages only"),
    "POST auth.delete_account": ("DELETE /api/v1/me",),
    "POST auth.change_time_zone": ("PATCH /api/v1/me",),
    "POST auth.change_email_settings": ("PATCH /api/v1/me",),
    "POST auth.change_retention": ("PATCH /api/v1/me",),
    "POST auth.change_review_limits": ("PATCH /api/v1/me",),
    "POST auth.change_chat_settings": ("PUT /api/v1/me/chat",),
    "POST auth.end_device_session": ("DELETE /api/v1/me/sessions/{session_id}",),
    "POST auth.sign_out_everywhere": ("POST /api/v1/me/sessions/end-all",),
    "POST auth.create_token": PASSWORD,
    "POST auth.revoke_token": ("DELETE /api/v1/me/tokens/{token_id}",),
    # ---------------------------------------------------------------- second factor
    "GET second_factor.page": CEREMONY,
    "POST second_factor.begin_app": CEREMONY,
    "POST second_factor.cancel_app": CEREMONY,
    "POST second_factor.confirm_app": CEREMONY,
    "POST second_factor.remove_app": PASSWORD,
    "POST second_factor.renew_recovery_codes": PASSWORD,
    "POST second_factor.add_passkey": CEREMONY,
    "POST second_factor.delete_passkey": PASSWORD,
    "POST second_factor.passkey_options": CEREMONY,
    "POST second_factor.passkey_sign_in": CEREMONY,
    "POST second_factor.passkey_sign_in_options": CEREMONY,
    "GET second_factor.second_step": CEREMONY,
    "POST second_factor.second_step": CEREMONY,
    "POST second_factor.second_step_passkey": CEREMONY,
    "POST second_factor.second_step_passkey_options": CEREMONY,
    # ---------------------------------------------------------------- learning (main)
    "GET main.index": ("GET /api/v1/me/paths",),
    "GET main.api_reference": ("GET /api/v1/openapi.json",),
    "GET main.catalog_page": ("GET /api/v1/articles", "GET /api/v1/topics", "GET /api/v1/sources"),
    "GET main.article_page": ("GET /api/v1/articles/{slug}", "GET /api/v1/me/articles/{slug}/note",
                              "GET /api/v1/me/cards", "GET /api/v1/me/cards/suggested"),
    "POST main.mark": ("PUT /api/v1/me/progress/{slug}",),
    "GET main.note_page": ("GET /api/v1/me/articles/{slug}/note",),
    "POST main.save_note": ("PUT /api/v1/me/articles/{slug}/note",),
    "POST main.save_takeaway": ("PUT /api/v1/me/articles/{slug}/takeaway",),
    "GET main.resources_page": ("GET /api/v1/me/resources",),
    "POST main.add_resource": ("POST /api/v1/me/resources",),
    "GET main.edit_resource_page": ("GET /api/v1/me/resources",),
    "POST main.save_resource": ("PATCH /api/v1/me/resources/{key}",),
    "POST main.delete_resource": ("DELETE /api/v1/me/resources/{key}",),
    "POST main.add_card": ("POST /api/v1/me/cards",),
    "POST main.delete_card": ("DELETE /api/v1/me/cards/{card_id}",),
    "POST main.suspend_card": ("PUT /api/v1/me/cards/{card_id}/suspended",),
    "GET main.export_cards": ("GET /api/v1/me/cards/export",),
    "POST main.import_cards": ("POST /api/v1/me/cards/import",),
    "POST main.adopt_card": ("POST /api/v1/me/cards/suggested/{suggestion_id}/adopt",),
    "GET main.cards_io_page": ("GET /api/v1/me/cards/export", "POST /api/v1/me/cards/import"),
    "GET main.path_list": ("GET /api/v1/paths",),
    "GET main.path_page": ("GET /api/v1/paths/{slug}", "GET /api/v1/me/paths", "GET /api/v1/me/paths/{slug}/plan"),
    "POST main.follow": ("PUT /api/v1/me/paths/{slug}/follow",),
    "POST main.fork": ("POST /api/v1/me/paths/{slug}/fork",),
    "GET main.edit_path": ("GET /api/v1/me/own-paths/{slug}",),
    "POST main.rename_path": ("PATCH /api/v1/me/own-paths/{slug}",),
    "POST main.share_path": ("PATCH /api/v1/me/own-paths/{slug}",),
    "POST main.add_article": ("POST /api/v1/me/own-paths/{slug}/items",),
    "POST main.add_path_resource": ("POST /api/v1/me/own-paths/{slug}/items",),
    "POST main.change_item": ("POST /api/v1/me/own-paths/{slug}/items/{article}",),
    "POST main.decide_change": ("POST /api/v1/me/paths/{slug}/changes",),
    "POST main.unfollow": ("DELETE /api/v1/me/paths/{slug}/follow",),
    "POST main.fold_section": ("PUT /api/v1/me/paths/{slug}/sections/{number}/fold",
                               "DELETE /api/v1/me/paths/{slug}/sections/{number}/fold"),
    "POST main.save_plan": ("PUT /api/v1/me/paths/{slug}/plan", "DELETE /api/v1/me/paths/{slug}/plan"),
    "GET main.restart_confirm": HTML_HELPER,
    "POST main.restart_path": ("POST /api/v1/me/paths/{slug}/restart",),
    "GET main.resume": Exempt("repeats a press made from a signed-out browser tab after signing in; an API call is "
                              "simply made again"),
    # ---------------------------------------------------------------- reviews
    "GET review.review_page": ("GET /api/v1/me/reviews/due",),
    "POST review.rate": ("POST /api/v1/me/cards/{card_id}/review",),
    "POST review.bury": ("POST /api/v1/me/cards/{card_id}/bury",),
    "POST review.suspend": ("PUT /api/v1/me/cards/{card_id}/suspended",),
    "POST review.undo": ("POST /api/v1/me/reviews/undo",),
    "GET review.statistics": ("GET /api/v1/me/reviews/stats",),
    # ---------------------------------------------------------------- notifications and invitations
    "GET notifications.index": ("GET /api/v1/me/notifications",),
    "GET notifications.badge": ("GET /api/v1/me/notifications",),
    "POST notifications.mark_read": ("POST /api/v1/me/notifications/{notification_id}/read",),
    "POST notifications.mark_all_read": ("POST /api/v1/me/notifications/read",),
    "POST notifications.respond": ("POST /api/v1/me/invitations/{mentorship_id}",),
    # ---------------------------------------------------------------- mentoring
    "GET mentor.overview": ("GET /api/v1/mentees",),
    "GET mentor.overview_csv": ("GET /api/v1/mentees",),
    "POST mentor.invite": ("POST /api/v1/mentorships/invitations",),
    "POST mentor.assign": ("POST /api/v1/assignments/preview", "POST /api/v1/assignments"),
    "POST mentor.change_due": ("PATCH /api/v1/assignments/{assignment_id}",),
    "POST mentor.withdraw": ("DELETE /api/v1/assignments/{assignment_id}",),
    "GET mentor.mentee": ("GET /api/v1/mentees/{username}/progress", "GET /api/v1/mentees/{username}/notes",
                          "GET /api/v1/mentees/{username}/export"),
    "GET mentor.mentee_path": ("GET /api/v1/mentees/{username}/paths/{slug}", "GET /api/v1/suggested-cards"),
    "POST mentor.suggest_card": ("POST /api/v1/suggested-cards",),
    "POST mentor.withdraw_card": ("DELETE /api/v1/suggested-cards/{suggestion_id}",),
    "POST mentor.reply": ("POST /api/v1/notes/{note_id}/replies",),
    # ---------------------------------------------------------------- credentials
    "GET credentials.certificate": ("GET /api/v1/me/credentials",),
    "POST credentials.sharing": ("PUT /api/v1/me/credentials/{public_id}/sharing",),
    "GET credentials.verify": ("POST /api/v1/credentials/verify",),
    "POST credentials.verify": ("POST /api/v1/credentials/verify",),
    "GET credentials.download_json": PUBLIC_DOCUMENT,
    "GET credentials.download_jwt": ("GET /api/v1/me/credentials",),
    "GET credentials.jwks": PUBLIC_DOCUMENT,
    "GET credentials.jwk": PUBLIC_DOCUMENT,
    "GET credentials.revocation_list": PUBLIC_DOCUMENT,
    "GET credentials.badge": PUBLIC_DOCUMENT,
    # ---------------------------------------------------------------- operations
    "GET health.healthz": OPERATIONS,
    "GET health.readyz": OPERATIONS,
    "GET metrics.prometheus_metrics": OPERATIONS,
    # ---------------------------------------------------------------- administration: users, security
    "GET admin.index": Exempt("the admin menu: links to the other admin pages"),
    "GET admin.users": ("GET /api/v1/admin/users",),
    "POST admin.update_user": ("PUT /api/v1/admin/users/{username}/role", "PUT /api/v1/admin/users/{username}/active",
                               "POST /api/v1/admin/users/{username}/temporary-password",
                               "DELETE /api/v1/admin/users/{username}/tokens"),
    "POST admin.delete_user": ("DELETE /api/v1/admin/users/{username}",),
    "GET admin.security_events": ("GET /api/v1/admin/security-events",),
    # ---------------------------------------------------------------- administration: mentorships, credentials
    "GET admin.mentorship_list": ("GET /api/v1/mentorships",),
    "POST admin.link": ("POST /api/v1/mentorships",),
    "POST admin.unlink": ("DELETE /api/v1/mentorships",),
    "GET admin.credential_list": ("GET /api/v1/admin/credentials",),
    "POST admin.revoke_credential": ("POST /api/v1/admin/credentials/{credential_id}/revoke",),
    "POST admin.regrant_credential": ("POST /api/v1/admin/credentials/{credential_id}/regrant",),
    # ---------------------------------------------------------------- administration: catalog and paths
    "GET admin.article_list": ("GET /api/v1/articles",),
    "GET admin.edit_article": ("GET /api/v1/articles/{slug}",),
    "POST admin.edit_article": ("POST /api/v1/articles", "PUT /api/v1/articles/{slug}"),
    "GET admin.article_links": HTML_HELPER,
    "POST admin.article_links": ("PUT /api/v1/articles/links",),
    "GET admin.import_listing": HTML_HELPER,
    "POST admin.import_listing": ("POST /api/v1/articles/import",),
    "GET admin.path_list": ("GET /api/v1/paths",),
    "GET admin.new_path": HTML_HELPER,
    "GET admin.edit_path": ("GET /api/v1/paths/{slug}",),
    "POST admin.save_path": ("POST /api/v1/paths", "PUT /api/v1/paths/{slug}"),
    "GET admin.search_articles": ("GET /api/v1/articles",),
    "GET admin.history": ("GET /api/v1/paths/{slug}/history",),
    "GET admin.path_version": ("GET /api/v1/paths/{slug}/history/{version}",),
    "POST admin.restore": ("POST /api/v1/paths/{slug}/history/{version}/restore",),
    "GET admin.path_status": ("GET /api/v1/paths/{slug}/status",),
    "POST admin.path_status": ("PUT /api/v1/paths/{slug}/status",),
    "GET admin.export_path": ("GET /api/v1/paths/{slug}", "GET /api/v1/paths/{slug}/history/{version}"),
    "GET admin.import_path": HTML_HELPER,
    "POST admin.import_path": ("POST /api/v1/paths", "PUT /api/v1/paths/{slug}"),
    # ---------------------------------------------------------------- administration: records, jobs, webhooks
    "GET admin.records": ("GET /api/v1/admin/records",),
    "POST admin.push_records": ("POST /api/v1/admin/records/push",),
    "POST admin.retry_refused_statement": ("POST /api/v1/admin/records/refused/{statement_id}/retry",),
    "POST admin.retry_refused_statements": ("POST /api/v1/admin/records/refused/retry",),
    "POST admin.discard_refused_statement": ("DELETE /api/v1/admin/records/refused/{statement_id}",),
    "GET admin.jobs": ("GET /api/v1/admin/jobs",),
    "POST admin.retry_job": ("POST /api/v1/admin/jobs/failed/{job_id}/retry",),
    "POST admin.discard_job": ("DELETE /api/v1/admin/jobs/failed/{job_id}",),
    "GET admin.webhooks": ("GET /api/v1/admin/webhooks",),
    "POST admin.add_webhook": ("POST /api/v1/admin/webhooks",),
    "POST admin.disable_webhook": ("PUT /api/v1/admin/webhooks/{endpoint_id}/enabled",),
    "POST admin.enable_webhook": ("PUT /api/v1/admin/webhooks/{endpoint_id}/enabled",),
    "POST admin.delete_webhook": ("DELETE /api/v1/admin/webhooks/{endpoint_id}",),
    "POST admin.test_webhook": ("POST /api/v1/admin/webhooks/{endpoint_id}/test",),
    # ---------------------------------------------------------------- groups (admin pages, the group pages)
    "GET admin.group_list": ("GET /api/v1/groups",),
    "POST admin.create_group": ("POST /api/v1/groups",),
    "GET admin.group_page": ("GET /api/v1/groups/{slug}", "GET /api/v1/groups/{slug}/members"),
    "POST admin.update_group": ("PATCH /api/v1/groups/{slug}",),
    "POST admin.delete_group": ("DELETE /api/v1/groups/{slug}",),
    "POST admin.preview_members": HTML_HELPER,
    "POST admin.add_members": ("PUT /api/v1/groups/{slug}/members/{username}",),
    "POST admin.remove_member": ("DELETE /api/v1/groups/{slug}/members/{username}",),
    "POST admin.set_manager": ("PUT /api/v1/groups/{slug}/members/{username}",),
    "GET admin.user_page": ("GET /api/v1/admin/users/{username}", "GET /api/v1/audit"),
    "GET teams.groups": ("GET /api/v1/groups",),
    "GET teams.overview": ("GET /api/v1/groups/{slug}/overview",),
    "GET teams.overview_csv": ("GET /api/v1/groups/{slug}/overview",),
    "GET teams.rules_page": ("GET /api/v1/groups/{slug}/rules",),
    "POST teams.add_rule": ("POST /api/v1/groups/{slug}/rules",),
    "GET teams.rule_page": ("GET /api/v1/groups/{slug}/rules/{rule_id}",),
    "POST teams.edit_rule": ("PATCH /api/v1/groups/{slug}/rules/{rule_id}",),
    "POST teams.delete_rule": ("DELETE /api/v1/groups/{slug}/rules/{rule_id}",),
    "POST teams.run_rule": ("POST /api/v1/groups/{slug}/rules/{rule_id}/runs",),
    "GET teams.preview_rule": ("GET /api/v1/groups/{slug}/rules/{rule_id}/preview",),
    "GET teams.preview_csv": ("GET /api/v1/groups/{slug}/rules/{rule_id}/preview",),
    "GET teams.runs_page": ("GET /api/v1/groups/{slug}/rules/runs",),
    # ---------------------------------------------------------------- the audit log
    "GET admin.audit_log": ("GET /api/v1/audit",),
    "GET admin.audit_csv": ("GET /api/v1/audit",),
    "GET admin.audit_jsonl": ("GET /api/v1/audit",),
}
