-- Tag filters of POST /v1/contacts/list (see README "List contacts and accounts"): contact_tags by
-- (tag_id, contact_id) replaces the index on tag_id alone. A tag's contact ids are read from the
-- index without visiting the table (an index-only scan once the visibility map is set, which
-- autovacuum maintains), so counting a tag's contacts reads a few index pages, and probing "does
-- this contact carry the tag" is one index lookup. It serves everything the tag_id index served
-- (the foreign key's cascade from tags), so a tag assignment still writes two index entries.
CREATE INDEX IF NOT EXISTS "contact_tags_tag_id_contact_id_idx" ON "contact_tags"("tag_id", "contact_id");
DROP INDEX IF EXISTS "contact_tags_tag_id_idx";
