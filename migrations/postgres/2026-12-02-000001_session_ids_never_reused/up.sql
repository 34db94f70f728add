-- Session ids come from a sequence here and are never given again (the SQLite twin of this
-- migration makes its key AUTOINCREMENT): nothing to change.
SELECT 1;
