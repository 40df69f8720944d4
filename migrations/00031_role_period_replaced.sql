-- +goose Up
-- A role change from today may correct one made earlier the same day (an
-- import of a corrected export): the period that began today is replaced,
-- not deleted. Its row stays, with the days it covered in replaced and the
-- moment in replaced_at, and it covers no day any more (valid is empty),
-- so every question of who held a role on a day passes it by. The audit
-- log keeps both changes.
ALTER TABLE role_assignments
    ADD COLUMN replaced    daterange,
    ADD COLUMN replaced_at timestamptz;
ALTER TABLE role_assignments DROP CONSTRAINT role_assignments_valid_check;
ALTER TABLE role_assignments ADD CONSTRAINT role_assignments_valid_check CHECK (
    CASE WHEN replaced IS NULL THEN NOT isempty(valid) AND NOT lower_inf(valid) AND replaced_at IS NULL
         ELSE isempty(valid) AND NOT isempty(replaced) AND replaced_at IS NOT NULL END);
GRANT UPDATE (valid, replaced, replaced_at) ON role_assignments TO itportal_runtime;

-- +goose Down
-- Refused while a replaced period exists: it cannot cover its days again.
REVOKE UPDATE (replaced, replaced_at) ON role_assignments FROM itportal_runtime;
ALTER TABLE role_assignments DROP CONSTRAINT role_assignments_valid_check;
ALTER TABLE role_assignments ADD CONSTRAINT role_assignments_valid_check CHECK (NOT isempty(valid) AND NOT lower_inf(valid));
ALTER TABLE role_assignments DROP COLUMN replaced_at, DROP COLUMN replaced;
