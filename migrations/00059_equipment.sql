-- +goose Up
-- IT equipment rented to departments (Riktlinjer för IT §6, issue 21).
-- IT-enheten owns the equipment and keeps the inventory, the price list and
-- the rentals (internal/postgres/equipment.go); the departments rent it.
-- The monthly charge is computed in one place, portal.MonthlyCharge; a
-- closed month's charge is stored here as it was and never changed.

CREATE TABLE equipment (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type             text NOT NULL CHECK (type IN ('dator', 'skarm', 'mobiltelefon', 'surfplatta', 'skrivare', 'natverksutrustning', 'ovrigt')),
    manufacturer     text NOT NULL DEFAULT '' CHECK (length(manufacturer) <= 100),
    model            text NOT NULL CHECK (length(btrim(model)) BETWEEN 1 AND 200),
    serial_number    text NOT NULL CHECK (length(btrim(serial_number)) BETWEEN 1 AND 100),
    inventory_number text NOT NULL CHECK (length(btrim(inventory_number)) BETWEEN 1 AND 50),
    purchased_on     date NOT NULL,
    price_ore        bigint NOT NULL CHECK (price_ore BETWEEN 0 AND 1000000000),
    life_months      integer NOT NULL CHECK (life_months BETWEEN 1 AND 240),
    location         text NOT NULL DEFAULT '' CHECK (length(location) <= 200),
    -- Rented and in stock follow from the rental periods; these two are set.
    in_repair        boolean NOT NULL DEFAULT false,
    scrapped_on      date,
    notes            text NOT NULL DEFAULT '' CHECK (length(notes) <= 2000),
    row_version      integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
-- A serial number is unique per type and manufacturer; an inventory number is unique.
CREATE UNIQUE INDEX equipment_serial_key ON equipment (type, lower(manufacturer), lower(serial_number));
CREATE UNIQUE INDEX equipment_inventory_key ON equipment (lower(inventory_number));
CREATE INDEX equipment_type_idx ON equipment (type);
GRANT SELECT, INSERT, UPDATE ON equipment TO itportal_runtime;

-- Who rents a piece over time: [from, to) calendar dates like the role
-- periods. A change of renter closes the running period and opens a new
-- one; rows are never deleted, and PostgreSQL refuses two renters of one
-- piece on one day.
CREATE TABLE equipment_rentals (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    equipment_id  bigint NOT NULL REFERENCES equipment (id),
    department_id bigint NOT NULL REFERENCES departments (id),
    person_id     bigint REFERENCES people (id),
    valid         daterange NOT NULL CHECK (NOT isempty(valid) AND NOT lower_inf(valid)),
    note          text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    created_by    bigint REFERENCES people (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- When the period's end was last set: a change after a month was
    -- closed is what makes the month owe a correction.
    ended_at      timestamptz,
    CONSTRAINT one_renter_per_day EXCLUDE USING gist (equipment_id WITH =, valid WITH &&)
);
CREATE INDEX equipment_rentals_department_idx ON equipment_rentals (department_id);
CREATE INDEX equipment_rentals_person_idx ON equipment_rentals (person_id) WHERE person_id IS NOT NULL;
CREATE INDEX equipment_rentals_valid_idx ON equipment_rentals USING gist (valid);
-- Periods are ended by UPDATE of their end; rows are never deleted.
GRANT SELECT, INSERT, UPDATE (valid, ended_at) ON equipment_rentals TO itportal_runtime;

-- The price list: the monthly rent per type, standard software licences
-- included, from a month's first day until the type's next price. A new
-- price is a new row; rows are never changed.
CREATE TABLE equipment_prices (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type        text NOT NULL CHECK (type IN ('dator', 'skarm', 'mobiltelefon', 'surfplatta', 'skrivare', 'natverksutrustning', 'ovrigt')),
    valid_from  date NOT NULL CHECK (extract(day FROM valid_from) = 1),
    monthly_ore bigint NOT NULL CHECK (monthly_ore BETWEEN 0 AND 10000000),
    created_by  bigint REFERENCES people (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (type, valid_from)
);
GRANT SELECT, INSERT ON equipment_prices TO itportal_runtime;

-- Closed months: the charge as it was when IT-enheten closed the month,
-- line by line. Append-only by grants: a closed month is never edited; a
-- change that reaches into it afterwards is charged in the next open month
-- as a correction (corrects_month).
CREATE TABLE charge_months (
    month      date PRIMARY KEY CHECK (extract(day FROM month) = 1),
    closed_by  bigint REFERENCES people (id),
    closed_at  timestamptz NOT NULL DEFAULT now(),
    total_ore  bigint NOT NULL
);
GRANT SELECT, INSERT ON charge_months TO itportal_runtime;

CREATE TABLE charge_lines (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    month            date NOT NULL REFERENCES charge_months (month),
    corrects_month   date REFERENCES charge_months (month),
    department_id    bigint NOT NULL REFERENCES departments (id),
    department_name  text NOT NULL,
    equipment_id     bigint NOT NULL REFERENCES equipment (id),
    inventory_number text NOT NULL,
    type             text NOT NULL,
    model            text NOT NULL,
    first_day        date,
    last_day         date,
    days             integer NOT NULL,
    monthly_ore      bigint NOT NULL,
    amount_ore       bigint NOT NULL,
    no_price         boolean NOT NULL DEFAULT false,
    CHECK (corrects_month IS NULL OR corrects_month < month)
);
CREATE INDEX charge_lines_month_idx ON charge_lines (month, department_id);
CREATE INDEX charge_lines_corrects_idx ON charge_lines (corrects_month) WHERE corrects_month IS NOT NULL;
GRANT SELECT, INSERT ON charge_lines TO itportal_runtime;

-- +goose Down
DROP TABLE charge_lines;
DROP TABLE charge_months;
DROP TABLE equipment_prices;
DROP TABLE equipment_rentals;
DROP TABLE equipment;
