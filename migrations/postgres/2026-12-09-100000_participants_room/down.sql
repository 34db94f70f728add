ALTER TABLE participants RESET (fillfactor);
