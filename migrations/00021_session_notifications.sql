-- +goose Up
-- Each replica keeps the sessions it has read (a signed-in page view then
-- needs no session query). A session that is changed or removed while it
-- is still valid (a sign-out, a new token at sign-in, a flash message, the
-- last-seen time moved on) is announced on 'itportal_session' with the
-- SHA-256 of its token, never the token itself, and every replica drops
-- its copy. Expired sessions removed by the purge job are not announced:
-- no replica uses an expired session.
-- +goose StatementBegin
CREATE FUNCTION notify_session_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('itportal_session', encode(sha256(convert_to(OLD.token, 'UTF8')), 'hex'));
	RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER sessions_updated AFTER UPDATE ON sessions
	FOR EACH ROW EXECUTE FUNCTION notify_session_change();
CREATE TRIGGER sessions_deleted AFTER DELETE ON sessions
	FOR EACH ROW WHEN (OLD.expiry > now()) EXECUTE FUNCTION notify_session_change();

-- A truncate (a restore drill, an operator ending every session) drops
-- every replica's copies at once.
-- +goose StatementBegin
CREATE FUNCTION notify_sessions_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('itportal_session', '*');
	RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER sessions_truncated AFTER TRUNCATE ON sessions
	FOR EACH STATEMENT EXECUTE FUNCTION notify_sessions_truncated();

-- +goose Down
DROP TRIGGER sessions_truncated ON sessions;
DROP FUNCTION notify_sessions_truncated();
DROP TRIGGER sessions_deleted ON sessions;
DROP TRIGGER sessions_updated ON sessions;
DROP FUNCTION notify_session_change();
