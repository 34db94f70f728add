DROP INDEX clauses_target;
DROP INDEX contract_years_buyers;
DROP INDEX placements_exits_report;
DROP INDEX placements_starts_report;
