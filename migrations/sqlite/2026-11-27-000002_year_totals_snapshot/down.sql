DROP TABLE placement_year_totals;
CREATE TABLE placement_year_totals (
    placement_id BIGINT NOT NULL REFERENCES placements(id),
    year INTEGER NOT NULL,
    structure_id BIGINT NOT NULL,
    work BIGINT NOT NULL,
    training BIGINT NOT NULL,
    PRIMARY KEY (placement_id, year)
);
INSERT INTO placement_year_totals
SELECT e.placement_id, CAST(substr(e.month, 1, 4) AS INTEGER), MIN(e.structure_id),
       SUM(COALESCE(e.validated_work, 0)), SUM(COALESCE(e.validated_training, 0))
FROM hour_entries e WHERE e.validated_work IS NOT NULL
GROUP BY e.placement_id, CAST(substr(e.month, 1, 4) AS INTEGER);
CREATE INDEX placement_year_totals_report ON placement_year_totals(year, structure_id, placement_id, work, training);
