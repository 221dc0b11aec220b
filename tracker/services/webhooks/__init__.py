"""Outgoing webhooks (Standard Webhooks): the endpoints an admin registers, the outbox of events, and their
signed delivery, one try at a time, by the job queue.

Owns the `webhook_endpoint`, `webhook_event` and `webhook_delivery` rows. The domains that report something
(progress, records, mentoring) call `events.record` in their own transaction; nothing here sends inside a
request.

- `endpoints`: `check_url`, `add_endpoint`, `set_enabled`, `delete_endpoint`, `endpoint_list`,
  `recent_deliveries`, `send_test_event`.
- `events`: `record`, `recorded_in`, `dispatch_pending`.
- `delivery`: `deliver`, `signed_request` (DeliveryFailed when the endpoint did not take it: the job retries).
"""
