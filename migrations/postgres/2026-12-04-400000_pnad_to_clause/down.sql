DROP INDEX contracts_pnad;
DROP TABLE structure_calibration_settings;
DROP INDEX buyer_clause_thresholds_structure;
DROP TABLE buyer_clause_thresholds;
