-- Contracts, clauses, people, placements, hours, milestones, outbox, needs and referrals.
-- Amounts in euro cents, hours in hundredths of an hour, shares in hundredths of a percent.

ALTER TABLE users ADD COLUMN optional_reminders_off BOOLEAN NOT NULL DEFAULT 0;

CREATE TABLE organisation_contacts (
    id INTEGER PRIMARY KEY,
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    email TEXT NOT NULL,
    name TEXT
);
CREATE INDEX organisation_contacts_org ON organisation_contacts(organisation_id);

CREATE TABLE labour_shares (
    id INTEGER PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    cpv_prefix TEXT NOT NULL,
    share_bp BIGINT NOT NULL,
    label TEXT NOT NULL,
    UNIQUE (structure_id, cpv_prefix)
);

CREATE TABLE contracts (
    id INTEGER PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    buyer_id BIGINT NOT NULL REFERENCES organisations(id),
    reference TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    cpv_code TEXT,
    amount_cents BIGINT,
    notified_on DATE,
    starts_on DATE,
    ends_on DATE,
    duration_months INTEGER,
    social_considerations TEXT NOT NULL DEFAULT '',
    environmental_considerations TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT 'manual',
    fingerprint TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (structure_id, buyer_id, reference)
);
CREATE INDEX contracts_notified ON contracts(structure_id, notified_on);

CREATE TABLE contract_lots (
    id INTEGER PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    amount_cents BIGINT,
    cpv_code TEXT,
    UNIQUE (contract_id, number)
);

CREATE TABLE contract_holders (
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    organisation_id BIGINT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (contract_id, organisation_id)
);

CREATE TABLE clauses (
    id INTEGER PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    lot_number INTEGER,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    method TEXT NOT NULL,
    calibration TEXT NOT NULL,
    explanation TEXT NOT NULL,
    computed_hours BIGINT NOT NULL,
    hours_override BIGINT,
    override_justification TEXT,
    required_hours BIGINT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    reporting_frequency TEXT NOT NULL,
    penalty_per_hour_cents BIGINT,
    referent_id BIGINT REFERENCES users(id),
    territory TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX clauses_structure ON clauses(structure_id, status);
CREATE INDEX clauses_contract ON clauses(contract_id);

CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    clause_id BIGINT NOT NULL REFERENCES clauses(id),
    contractor_id BIGINT NOT NULL REFERENCES organisations(id),
    role TEXT NOT NULL,
    hours_target BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (clause_id, contractor_id)
);
CREATE INDEX assignments_contractor ON assignments(contractor_id);

CREATE TABLE participants (
    id INTEGER PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    first_name TEXT,
    last_name TEXT,
    birth_date DATE,
    birth_year INTEGER NOT NULL,
    sex TEXT NOT NULL,
    postal_code TEXT,
    territory TEXT,
    qpv BOOLEAN NOT NULL,
    zrr BOOLEAN NOT NULL DEFAULT 0,
    qualification_level TEXT NOT NULL,
    jobseeker_id TEXT,
    looking_for_work BOOLEAN NOT NULL DEFAULT 1,
    wished_rome_codes TEXT NOT NULL DEFAULT '',
    licences TEXT NOT NULL DEFAULT '',
    reachable_departements TEXT NOT NULL DEFAULT '',
    available_from DATE,
    last_activity_on DATE NOT NULL,
    anonymised_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX participants_identity ON participants(structure_id, last_name, first_name, birth_date);

CREATE TABLE eligibility_validations (
    id INTEGER PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    criteria TEXT NOT NULL,
    proof TEXT NOT NULL,
    justification TEXT,
    validated_by BIGINT NOT NULL REFERENCES users(id),
    validated_on DATE NOT NULL,
    valid_until DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX eligibility_participant ON eligibility_validations(participant_id, validated_on);

-- A placement carries a snapshot of what reports group by (the person's situation at its
-- start and the clause's attributes), so reports never join back to personal data.
CREATE TABLE placements (
    id INTEGER PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    assignment_id BIGINT NOT NULL REFERENCES assignments(id),
    clause_id BIGINT NOT NULL REFERENCES clauses(id),
    contractor_id BIGINT NOT NULL REFERENCES organisations(id),
    employer_id BIGINT NOT NULL REFERENCES organisations(id),
    modality TEXT NOT NULL,
    contract_type TEXT NOT NULL,
    job_title TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE,
    weekly_hours BIGINT NOT NULL,
    derogation_reason TEXT,
    eligibility_id BIGINT REFERENCES eligibility_validations(id),
    age_band TEXT NOT NULL,
    sex TEXT NOT NULL,
    qualification_level TEXT NOT NULL,
    qpv BOOLEAN NOT NULL,
    criteria TEXT NOT NULL,
    territory TEXT NOT NULL,
    buyer_id BIGINT NOT NULL REFERENCES organisations(id),
    clause_kind TEXT NOT NULL,
    sector TEXT NOT NULL,
    exit_on DATE,
    exit_outcome TEXT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX placements_participant ON placements(participant_id);
CREATE INDEX placements_assignment ON placements(assignment_id);
CREATE INDEX placements_contractor ON placements(contractor_id);
CREATE INDEX placements_employer ON placements(employer_id);
CREATE INDEX placements_structure ON placements(structure_id, starts_on);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    user_id BIGINT REFERENCES users(id),
    at TIMESTAMP NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log(structure_id, entity, entity_id);

-- One entry per placement and month. work/training hold the latest figure reported;
-- validated_work/validated_training hold the figure that counts (kept while an amendment
-- waits for validation).
CREATE TABLE hour_entries (
    id INTEGER PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    placement_id BIGINT NOT NULL REFERENCES placements(id),
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    month TEXT NOT NULL,
    work_hours BIGINT NOT NULL,
    training_hours BIGINT NOT NULL,
    status TEXT NOT NULL,
    validated_work BIGINT,
    validated_training BIGINT,
    amendment_reason TEXT,
    rejection_reason TEXT,
    submitted_by BIGINT NOT NULL REFERENCES users(id),
    submitted_at TIMESTAMP NOT NULL,
    validated_by BIGINT REFERENCES users(id),
    validated_at TIMESTAMP,
    UNIQUE (placement_id, month)
);
CREATE INDEX hour_entries_person_month ON hour_entries(participant_id, month);
CREATE INDEX hour_entries_status ON hour_entries(structure_id, status, month);

CREATE TABLE hour_entry_changes (
    id INTEGER PRIMARY KEY,
    entry_id BIGINT NOT NULL REFERENCES hour_entries(id),
    at TIMESTAMP NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    action TEXT NOT NULL,
    before_value TEXT,
    after_value TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX hour_entry_changes_entry ON hour_entry_changes(entry_id);

-- Maintained in the same transaction as validations: validated and pending hours per
-- assignment and month (progress), and validated hours per placement and year (reports).
CREATE TABLE assignment_month_totals (
    assignment_id BIGINT NOT NULL REFERENCES assignments(id),
    month TEXT NOT NULL,
    validated BIGINT NOT NULL,
    pending BIGINT NOT NULL,
    PRIMARY KEY (assignment_id, month)
);

CREATE TABLE placement_year_totals (
    placement_id BIGINT NOT NULL REFERENCES placements(id),
    year INTEGER NOT NULL,
    structure_id BIGINT NOT NULL,
    work BIGINT NOT NULL,
    training BIGINT NOT NULL,
    PRIMARY KEY (placement_id, year)
);
CREATE INDEX placement_year_totals_year ON placement_year_totals(year, structure_id);

CREATE TABLE milestones (
    id INTEGER PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    clause_id BIGINT NOT NULL REFERENCES clauses(id),
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    due_on DATE NOT NULL,
    manual BOOLEAN NOT NULL,
    label TEXT,
    done_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (clause_id, kind, period)
);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    dedup_key TEXT NOT NULL UNIQUE,
    rule TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    period TEXT NOT NULL,
    stage TEXT NOT NULL,
    recipient_email TEXT NOT NULL,
    recipient_user_id BIGINT REFERENCES users(id),
    subject_line TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_ready ON outbox(status, next_attempt_at);

CREATE TABLE needs (
    id INTEGER PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    assignment_id BIGINT NOT NULL REFERENCES assignments(id),
    job_title TEXT NOT NULL,
    rome_code TEXT,
    posts INTEGER NOT NULL,
    commune_code TEXT NOT NULL,
    territory TEXT NOT NULL,
    starts_on DATE NOT NULL,
    weekly_hours BIGINT NOT NULL,
    duration_months INTEGER,
    licences TEXT NOT NULL DEFAULT '',
    modality TEXT NOT NULL,
    employer_id BIGINT NOT NULL REFERENCES organisations(id),
    contract_type TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX needs_assignment ON needs(assignment_id);

CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    need_id BIGINT NOT NULL REFERENCES needs(id),
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    state TEXT NOT NULL,
    reason TEXT,
    comment TEXT,
    placement_id BIGINT REFERENCES placements(id),
    proposed_by BIGINT NOT NULL REFERENCES users(id),
    proposed_at TIMESTAMP NOT NULL,
    updated_by BIGINT NOT NULL REFERENCES users(id),
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (need_id, participant_id)
);

CREATE TABLE referral_events (
    id INTEGER PRIMARY KEY,
    referral_id BIGINT NOT NULL REFERENCES referrals(id),
    state TEXT NOT NULL,
    reason TEXT,
    comment TEXT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    at TIMESTAMP NOT NULL
);
CREATE INDEX referral_events_referral ON referral_events(referral_id);
