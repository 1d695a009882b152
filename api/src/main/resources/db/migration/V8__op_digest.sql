-- The digest of the op each stored result answers (push/OpDigest): a re-send of the opId with other content is
-- refused (op_id_reused) instead of being answered with the first op's result. Null for results stored before.
ALTER TABLE op_results ADD COLUMN op_digest BYTEA;
