-- PostgreSQL only (page room for a person's updated row); SQLite has no such setting. Kept
-- so that both backends list the same migrations.
SELECT 1;
