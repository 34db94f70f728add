-- The yearly totals of each placement carry the placement's report snapshot, so that the
-- annual report of a year reads that year's rows alone, without joining every placement of
-- every year; its rows are stored in year order (WITHOUT ROWID, key year first) so one
-- year is one contiguous range. The table is derived data: rebuilt here from the validated
-- monthly figures.
DROP TABLE placement_year_totals;
CREATE TABLE placement_year_totals (
    placement_id BIGINT NOT NULL REFERENCES placements(id),
    year INTEGER NOT NULL,
    structure_id BIGINT NOT NULL,
    work BIGINT NOT NULL,
    training BIGINT NOT NULL,
    participant_id BIGINT NOT NULL,
    starts_on DATE NOT NULL,
    sex TEXT NOT NULL,
    age_band TEXT NOT NULL,
    criteria TEXT NOT NULL,
    qualification_level TEXT NOT NULL,
    qpv BOOLEAN NOT NULL,
    modality TEXT NOT NULL,
    contract_type TEXT NOT NULL,
    sector TEXT NOT NULL,
    buyer_id BIGINT NOT NULL,
    contractor_id BIGINT NOT NULL,
    clause_kind TEXT NOT NULL,
    territory TEXT NOT NULL,
    PRIMARY KEY (year, placement_id)
) WITHOUT ROWID;
INSERT INTO placement_year_totals
SELECT p.id, CAST(substr(e.month, 1, 4) AS INTEGER), p.structure_id,
       SUM(COALESCE(e.validated_work, 0)), SUM(COALESCE(e.validated_training, 0)),
       p.participant_id, p.starts_on, p.sex, p.age_band, p.criteria, p.qualification_level, p.qpv,
       p.modality, p.contract_type, p.sector, p.buyer_id, p.contractor_id, p.clause_kind, p.territory
FROM hour_entries e JOIN placements p ON p.id = e.placement_id
WHERE e.validated_work IS NOT NULL
GROUP BY p.id, CAST(substr(e.month, 1, 4) AS INTEGER);
-- No secondary index: a year is one range of the key, faster to read than any index.
