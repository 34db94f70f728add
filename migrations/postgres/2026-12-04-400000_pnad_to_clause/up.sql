-- Contracts still to clause (docs/domain.md#contracts-to-clause): the amount from which a
-- buyer's contracts are expected to carry a clause (default 70 000 € HT when no row), and the
-- structure's standard calibration (default 5 % and 30 € when no row).
CREATE TABLE buyer_clause_thresholds (
    buyer_id BIGINT PRIMARY KEY REFERENCES organisations(id),
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    threshold_cents BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX buyer_clause_thresholds_structure ON buyer_clause_thresholds(structure_id);
CREATE TABLE structure_calibration_settings (
    structure_id BIGINT PRIMARY KEY REFERENCES structures(id),
    insertion_rate_bp BIGINT NOT NULL,
    hourly_cost_cents BIGINT NOT NULL
);
-- The PNAD figures read the environmental considerations too (docs/domain.md#figure-pnad-share).
CREATE INDEX contracts_pnad ON contracts(notified_on, structure_id, buyer_id, social_considerations, environmental_considerations, id);
