DROP TABLE contract_amendments;
