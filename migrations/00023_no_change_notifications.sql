-- +goose Up
-- The portal keeps no per-replica read caches any more: every page reads
-- PostgreSQL, so nothing listens for change notifications. The statement
-- triggers of 00008, 00010, 00011 and 00017 and the session triggers of 00021 go.
DROP TRIGGER systems_changed ON systems;
DROP TRIGGER role_assignments_changed ON role_assignments;
DROP TRIGGER evaluations_changed ON evaluations;
DROP TRIGGER evaluation_drafts_changed ON evaluation_drafts;
DROP TRIGGER departments_changed ON departments;
DROP TRIGGER people_changed ON people;
DROP TRIGGER person_roles_changed ON person_roles;
DROP TRIGGER requests_changed ON requests;
DROP TRIGGER documents_changed ON documents;
DROP TRIGGER document_versions_changed ON document_versions;
DROP TRIGGER document_departments_changed ON document_departments;
DROP FUNCTION notify_change();
DROP TRIGGER sessions_truncated ON sessions;
DROP FUNCTION notify_sessions_truncated();
DROP TRIGGER sessions_deleted ON sessions;
DROP TRIGGER sessions_updated ON sessions;
DROP FUNCTION notify_session_change();

-- +goose Down
-- +goose StatementBegin
CREATE FUNCTION notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('itportal_changed', TG_TABLE_NAME);
	RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER systems_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON systems FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER role_assignments_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON role_assignments FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER evaluations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON evaluations FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER evaluation_drafts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON evaluation_drafts FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER departments_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON departments FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER people_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON people FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER person_roles_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON person_roles FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER requests_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON requests FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER documents_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON documents FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER document_versions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON document_versions FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER document_departments_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON document_departments FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
-- +goose StatementBegin
CREATE FUNCTION notify_session_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('itportal_session', encode(sha256(convert_to(OLD.token, 'UTF8')), 'hex'));
	RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER sessions_updated AFTER UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION notify_session_change();
CREATE TRIGGER sessions_deleted AFTER DELETE ON sessions FOR EACH ROW WHEN (OLD.expiry > now()) EXECUTE FUNCTION notify_session_change();
-- +goose StatementBegin
CREATE FUNCTION notify_sessions_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('itportal_session', '*');
	RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER sessions_truncated AFTER TRUNCATE ON sessions FOR EACH STATEMENT EXECUTE FUNCTION notify_sessions_truncated();
