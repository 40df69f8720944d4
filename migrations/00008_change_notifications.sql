-- +goose Up
-- Every replica keeps small read caches (the register's first page, the
-- departments, the signed-in person). They are valid only while nothing has
-- changed: a statement that changes one of these tables sends a notification
-- on commit, and each replica listening on 'itportal_changed' drops its
-- caches. Notifications with the same payload in one transaction are sent
-- once, so an import of thousands of rows sends a handful.
-- +goose StatementBegin
CREATE FUNCTION notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('itportal_changed', TG_TABLE_NAME);
	RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER systems_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON systems
	FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER role_assignments_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON role_assignments
	FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER evaluations_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON evaluations
	FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER departments_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON departments
	FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER people_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON people
	FOR EACH STATEMENT EXECUTE FUNCTION notify_change();
CREATE TRIGGER person_roles_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON person_roles
	FOR EACH STATEMENT EXECUTE FUNCTION notify_change();

-- +goose Down
DROP TRIGGER person_roles_changed ON person_roles;
DROP TRIGGER people_changed ON people;
DROP TRIGGER departments_changed ON departments;
DROP TRIGGER evaluations_changed ON evaluations;
DROP TRIGGER role_assignments_changed ON role_assignments;
DROP TRIGGER systems_changed ON systems;
DROP FUNCTION notify_change();
