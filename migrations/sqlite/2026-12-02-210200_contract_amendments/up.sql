-- Amendments (avenants) of a contract (issue 17): each changes its amount, its end or its
-- duration from the day it is signed. The contract keeps its notified amount and end; its
-- current ones are those of its latest amendment that sets them. Entered by staff or read
-- from the modifications of the open data (DECP), one per number.
CREATE TABLE contract_amendments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    number TEXT NOT NULL,
    signed_on DATE NOT NULL,
    amount_cents BIGINT,
    ends_on DATE,
    duration_months INTEGER,
    reason TEXT,
    source TEXT NOT NULL DEFAULT 'manual',
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (contract_id, number)
);
CREATE INDEX contract_amendments_contract ON contract_amendments(contract_id, signed_on);
