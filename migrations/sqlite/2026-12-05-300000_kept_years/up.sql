-- Kept per-year figures of clauses and contracts (issue 21): the annual report of a year
-- reads that year's rows through the key, whatever the history. Derived data, maintained
-- in the transaction of every write that moves it (`store::kept_years`) and rebuilt here.
--
-- clause_years: one row per clause in execution (active or completed, dates in order) and
-- calendar year its dates overlap (assignment_id 0), and one per assignment of such a
-- clause and year (the contractor's target); `prorated` is `hours` prorated to that year.
CREATE TABLE clause_years (
    year INTEGER NOT NULL,
    assignment_id BIGINT NOT NULL,
    clause_id BIGINT NOT NULL,
    contractor_id BIGINT NOT NULL,
    structure_id BIGINT NOT NULL,
    contract_id BIGINT NOT NULL,
    territory TEXT NOT NULL,
    kind TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    first_year INTEGER NOT NULL,
    hours BIGINT NOT NULL,
    prorated BIGINT NOT NULL,
    PRIMARY KEY (year, assignment_id, clause_id)
) WITHOUT ROWID;
CREATE INDEX clause_years_clause ON clause_years(clause_id);
-- contract_years: one row per notified contract, in the year of its notification, with the
-- national purchasing plan's two flags (`domain::pnad`).
CREATE TABLE contract_years (
    year INTEGER NOT NULL,
    contract_id BIGINT NOT NULL,
    structure_id BIGINT NOT NULL,
    buyer_id BIGINT NOT NULL,
    notified_on DATE NOT NULL,
    social BOOLEAN NOT NULL,
    environmental BOOLEAN NOT NULL,
    PRIMARY KEY (year, contract_id)
) WITHOUT ROWID;
CREATE INDEX contract_years_contract ON contract_years(contract_id);
-- Backfill (also run by `store::kept_years::rebuild_all` after a bulk load).
WITH RECURSIVE years(y) AS (
    SELECT MIN(CAST(substr(starts_on, 1, 4) AS INTEGER)) FROM clauses
    UNION ALL
    SELECT y + 1 FROM years WHERE y < (SELECT MAX(CAST(substr(ends_on, 1, 4) AS INTEGER)) FROM clauses)
),
spans AS (
    SELECT c.id AS clause_id, 0 AS assignment_id, 0 AS contractor_id, c.required_hours AS hours
    FROM clauses c
    UNION ALL
    SELECT a.clause_id, a.id, a.contractor_id, a.hours_target FROM assignments a
),
spanned AS (
    SELECT y.y AS year, s.assignment_id, c.id AS clause_id, s.contractor_id, c.structure_id,
           c.contract_id, c.territory, c.kind, c.starts_on, c.ends_on,
           CAST(substr(c.starts_on, 1, 4) AS INTEGER) AS first_year, s.hours,
           CAST(julianday(MIN(c.ends_on, printf('%04d-12-31', y.y))) - julianday(MAX(c.starts_on, printf('%04d-01-01', y.y))) AS INTEGER) + 1 AS inside,
           CAST(julianday(c.ends_on) - julianday(c.starts_on) AS INTEGER) + 1 AS total
    FROM clauses c
    JOIN spans s ON s.clause_id = c.id
    JOIN years y ON y.y BETWEEN CAST(substr(c.starts_on, 1, 4) AS INTEGER) AND CAST(substr(c.ends_on, 1, 4) AS INTEGER)
    WHERE c.status IN ('active', 'completed') AND c.starts_on <= c.ends_on
)
INSERT INTO clause_years (year, assignment_id, clause_id, contractor_id, structure_id, contract_id,
                          territory, kind, starts_on, ends_on, first_year, hours, prorated)
SELECT year, assignment_id, clause_id, contractor_id, structure_id, contract_id, territory, kind,
       starts_on, ends_on, first_year, hours,
       CASE WHEN hours <= 0 THEN 0
            WHEN inside >= total THEN hours
            ELSE (2 * hours * inside + total) / (2 * total) END
FROM spanned;
INSERT INTO contract_years (year, contract_id, structure_id, buyer_id, notified_on, social, environmental)
SELECT CAST(substr(k.notified_on, 1, 4) AS INTEGER), k.id, k.structure_id, k.buyer_id, k.notified_on,
       CASE WHEN k.social_considerations <> '' OR EXISTS
           (SELECT 1 FROM clauses c WHERE c.contract_id = k.id AND c.status <> 'cancelled')
           THEN 1 ELSE 0 END,
       CASE WHEN k.environmental_considerations <> '' THEN 1 ELSE 0 END
FROM contracts k
WHERE k.notified_on IS NOT NULL;
