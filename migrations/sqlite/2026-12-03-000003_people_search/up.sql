-- People search (the /people page): each name's key, lowercase without accents, kept by
-- every write of a person (create, correction: the key is written with the name; the
-- anonymisation erases it with the name). The search reads a prefix of the key inside the
-- caller's structure through these indexes.
ALTER TABLE participants ADD COLUMN last_name_key TEXT;
ALTER TABLE participants ADD COLUMN first_name_key TEXT;
-- fill:begin
-- The keys of the people not keyed yet (all of them here; the bulk writers of `seed` run
-- this section again, `store::participants::key_unkeyed`): lowercase, then the folds of
-- `domain::search::FOLDS`, each letter in both cases (SQLite's lower() only lowers ASCII).
-- One statement a letter, so that no expression nests deeper than SQLite's parser allows;
-- each statement rewrites only the keys holding its letter.
UPDATE participants SET last_name_key = lower(trim(last_name)), first_name_key = lower(trim(first_name))
WHERE anonymised_at IS NULL AND last_name_key IS NULL;
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'à', 'a'), 'À', 'a'), first_name_key = replace(replace(first_name_key, 'à', 'a'), 'À', 'a')
WHERE last_name_key LIKE '%à%' OR first_name_key LIKE '%à%' OR last_name_key LIKE '%À%' OR first_name_key LIKE '%À%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'á', 'a'), 'Á', 'a'), first_name_key = replace(replace(first_name_key, 'á', 'a'), 'Á', 'a')
WHERE last_name_key LIKE '%á%' OR first_name_key LIKE '%á%' OR last_name_key LIKE '%Á%' OR first_name_key LIKE '%Á%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'â', 'a'), 'Â', 'a'), first_name_key = replace(replace(first_name_key, 'â', 'a'), 'Â', 'a')
WHERE last_name_key LIKE '%â%' OR first_name_key LIKE '%â%' OR last_name_key LIKE '%Â%' OR first_name_key LIKE '%Â%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ã', 'a'), 'Ã', 'a'), first_name_key = replace(replace(first_name_key, 'ã', 'a'), 'Ã', 'a')
WHERE last_name_key LIKE '%ã%' OR first_name_key LIKE '%ã%' OR last_name_key LIKE '%Ã%' OR first_name_key LIKE '%Ã%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ä', 'a'), 'Ä', 'a'), first_name_key = replace(replace(first_name_key, 'ä', 'a'), 'Ä', 'a')
WHERE last_name_key LIKE '%ä%' OR first_name_key LIKE '%ä%' OR last_name_key LIKE '%Ä%' OR first_name_key LIKE '%Ä%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'å', 'a'), 'Å', 'a'), first_name_key = replace(replace(first_name_key, 'å', 'a'), 'Å', 'a')
WHERE last_name_key LIKE '%å%' OR first_name_key LIKE '%å%' OR last_name_key LIKE '%Å%' OR first_name_key LIKE '%Å%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'æ', 'ae'), 'Æ', 'ae'), first_name_key = replace(replace(first_name_key, 'æ', 'ae'), 'Æ', 'ae')
WHERE last_name_key LIKE '%æ%' OR first_name_key LIKE '%æ%' OR last_name_key LIKE '%Æ%' OR first_name_key LIKE '%Æ%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ç', 'c'), 'Ç', 'c'), first_name_key = replace(replace(first_name_key, 'ç', 'c'), 'Ç', 'c')
WHERE last_name_key LIKE '%ç%' OR first_name_key LIKE '%ç%' OR last_name_key LIKE '%Ç%' OR first_name_key LIKE '%Ç%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'è', 'e'), 'È', 'e'), first_name_key = replace(replace(first_name_key, 'è', 'e'), 'È', 'e')
WHERE last_name_key LIKE '%è%' OR first_name_key LIKE '%è%' OR last_name_key LIKE '%È%' OR first_name_key LIKE '%È%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'é', 'e'), 'É', 'e'), first_name_key = replace(replace(first_name_key, 'é', 'e'), 'É', 'e')
WHERE last_name_key LIKE '%é%' OR first_name_key LIKE '%é%' OR last_name_key LIKE '%É%' OR first_name_key LIKE '%É%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ê', 'e'), 'Ê', 'e'), first_name_key = replace(replace(first_name_key, 'ê', 'e'), 'Ê', 'e')
WHERE last_name_key LIKE '%ê%' OR first_name_key LIKE '%ê%' OR last_name_key LIKE '%Ê%' OR first_name_key LIKE '%Ê%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ë', 'e'), 'Ë', 'e'), first_name_key = replace(replace(first_name_key, 'ë', 'e'), 'Ë', 'e')
WHERE last_name_key LIKE '%ë%' OR first_name_key LIKE '%ë%' OR last_name_key LIKE '%Ë%' OR first_name_key LIKE '%Ë%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ì', 'i'), 'Ì', 'i'), first_name_key = replace(replace(first_name_key, 'ì', 'i'), 'Ì', 'i')
WHERE last_name_key LIKE '%ì%' OR first_name_key LIKE '%ì%' OR last_name_key LIKE '%Ì%' OR first_name_key LIKE '%Ì%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'í', 'i'), 'Í', 'i'), first_name_key = replace(replace(first_name_key, 'í', 'i'), 'Í', 'i')
WHERE last_name_key LIKE '%í%' OR first_name_key LIKE '%í%' OR last_name_key LIKE '%Í%' OR first_name_key LIKE '%Í%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'î', 'i'), 'Î', 'i'), first_name_key = replace(replace(first_name_key, 'î', 'i'), 'Î', 'i')
WHERE last_name_key LIKE '%î%' OR first_name_key LIKE '%î%' OR last_name_key LIKE '%Î%' OR first_name_key LIKE '%Î%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ï', 'i'), 'Ï', 'i'), first_name_key = replace(replace(first_name_key, 'ï', 'i'), 'Ï', 'i')
WHERE last_name_key LIKE '%ï%' OR first_name_key LIKE '%ï%' OR last_name_key LIKE '%Ï%' OR first_name_key LIKE '%Ï%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ñ', 'n'), 'Ñ', 'n'), first_name_key = replace(replace(first_name_key, 'ñ', 'n'), 'Ñ', 'n')
WHERE last_name_key LIKE '%ñ%' OR first_name_key LIKE '%ñ%' OR last_name_key LIKE '%Ñ%' OR first_name_key LIKE '%Ñ%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ò', 'o'), 'Ò', 'o'), first_name_key = replace(replace(first_name_key, 'ò', 'o'), 'Ò', 'o')
WHERE last_name_key LIKE '%ò%' OR first_name_key LIKE '%ò%' OR last_name_key LIKE '%Ò%' OR first_name_key LIKE '%Ò%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ó', 'o'), 'Ó', 'o'), first_name_key = replace(replace(first_name_key, 'ó', 'o'), 'Ó', 'o')
WHERE last_name_key LIKE '%ó%' OR first_name_key LIKE '%ó%' OR last_name_key LIKE '%Ó%' OR first_name_key LIKE '%Ó%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ô', 'o'), 'Ô', 'o'), first_name_key = replace(replace(first_name_key, 'ô', 'o'), 'Ô', 'o')
WHERE last_name_key LIKE '%ô%' OR first_name_key LIKE '%ô%' OR last_name_key LIKE '%Ô%' OR first_name_key LIKE '%Ô%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'õ', 'o'), 'Õ', 'o'), first_name_key = replace(replace(first_name_key, 'õ', 'o'), 'Õ', 'o')
WHERE last_name_key LIKE '%õ%' OR first_name_key LIKE '%õ%' OR last_name_key LIKE '%Õ%' OR first_name_key LIKE '%Õ%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ö', 'o'), 'Ö', 'o'), first_name_key = replace(replace(first_name_key, 'ö', 'o'), 'Ö', 'o')
WHERE last_name_key LIKE '%ö%' OR first_name_key LIKE '%ö%' OR last_name_key LIKE '%Ö%' OR first_name_key LIKE '%Ö%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ø', 'o'), 'Ø', 'o'), first_name_key = replace(replace(first_name_key, 'ø', 'o'), 'Ø', 'o')
WHERE last_name_key LIKE '%ø%' OR first_name_key LIKE '%ø%' OR last_name_key LIKE '%Ø%' OR first_name_key LIKE '%Ø%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'œ', 'oe'), 'Œ', 'oe'), first_name_key = replace(replace(first_name_key, 'œ', 'oe'), 'Œ', 'oe')
WHERE last_name_key LIKE '%œ%' OR first_name_key LIKE '%œ%' OR last_name_key LIKE '%Œ%' OR first_name_key LIKE '%Œ%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ù', 'u'), 'Ù', 'u'), first_name_key = replace(replace(first_name_key, 'ù', 'u'), 'Ù', 'u')
WHERE last_name_key LIKE '%ù%' OR first_name_key LIKE '%ù%' OR last_name_key LIKE '%Ù%' OR first_name_key LIKE '%Ù%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ú', 'u'), 'Ú', 'u'), first_name_key = replace(replace(first_name_key, 'ú', 'u'), 'Ú', 'u')
WHERE last_name_key LIKE '%ú%' OR first_name_key LIKE '%ú%' OR last_name_key LIKE '%Ú%' OR first_name_key LIKE '%Ú%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'û', 'u'), 'Û', 'u'), first_name_key = replace(replace(first_name_key, 'û', 'u'), 'Û', 'u')
WHERE last_name_key LIKE '%û%' OR first_name_key LIKE '%û%' OR last_name_key LIKE '%Û%' OR first_name_key LIKE '%Û%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ü', 'u'), 'Ü', 'u'), first_name_key = replace(replace(first_name_key, 'ü', 'u'), 'Ü', 'u')
WHERE last_name_key LIKE '%ü%' OR first_name_key LIKE '%ü%' OR last_name_key LIKE '%Ü%' OR first_name_key LIKE '%Ü%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ý', 'y'), 'Ý', 'y'), first_name_key = replace(replace(first_name_key, 'ý', 'y'), 'Ý', 'y')
WHERE last_name_key LIKE '%ý%' OR first_name_key LIKE '%ý%' OR last_name_key LIKE '%Ý%' OR first_name_key LIKE '%Ý%';
UPDATE participants SET last_name_key = replace(replace(last_name_key, 'ÿ', 'y'), 'Ÿ', 'y'), first_name_key = replace(replace(first_name_key, 'ÿ', 'y'), 'Ÿ', 'y')
WHERE last_name_key LIKE '%ÿ%' OR first_name_key LIKE '%ÿ%' OR last_name_key LIKE '%Ÿ%' OR first_name_key LIKE '%Ÿ%';
UPDATE participants SET last_name_key = replace(last_name_key, '’', ''''), first_name_key = replace(first_name_key, '’', '''')
WHERE last_name_key LIKE '%’%' OR first_name_key LIKE '%’%';
-- fill:end
CREATE INDEX participants_last_name_key ON participants(structure_id, last_name_key, first_name_key);
CREATE INDEX participants_first_name_key ON participants(structure_id, first_name_key);
