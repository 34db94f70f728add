DROP INDEX contract_years_contract;
DROP TABLE contract_years;
DROP INDEX clause_years_clause;
DROP TABLE clause_years;
