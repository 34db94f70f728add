-- The data version (issue 21): the sum of `changes` over the slots grows with every committed
-- write to a table the annual report reads, so a report computed after reading it is cached
-- under it (app::report_cache). PostgreSQL: one statement-level trigger per table (a COPY or a
-- 50,000-row insert bumps once); each connection bumps its own row (slot = its backend pid,
-- unique among live connections), so no writer ever waits on another's lock for it (one shared
-- row would serialise writers and could deadlock them). The counter is a row, not a sequence:
-- an uncommitted bump is invisible to readers, as the write it counts.
CREATE TABLE data_version (
    slot INTEGER PRIMARY KEY,
    changes BIGINT NOT NULL DEFAULT 0
);
CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO data_version (slot, changes) VALUES (pg_backend_pid(), 1)
    ON CONFLICT (slot) DO UPDATE SET changes = data_version.changes + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER data_version_structures AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON structures FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_organisations AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organisations FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_app_settings AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON app_settings FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_labour_shares AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON labour_shares FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_contracts AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON contracts FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_contract_amendments AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON contract_amendments FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_contract_lots AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON contract_lots FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_contract_holders AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON contract_holders FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_clauses AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clauses FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_assignments AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON assignments FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_participants AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON participants FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_eligibility_validations AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON eligibility_validations FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_placements AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON placements FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_hour_entries AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hour_entries FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_assignment_month_totals AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON assignment_month_totals FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_placement_year_totals AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON placement_year_totals FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_needs AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON needs FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_referrals AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON referrals FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_referral_events AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON referral_events FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_buyer_clause_thresholds AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON buyer_clause_thresholds FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_structure_calibration_settings AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON structure_calibration_settings FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
CREATE TRIGGER data_version_follow_ups AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON follow_ups FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();
