-- When the chat's tag set was last replaced: by a chat.tagged (its taggedAt, or when history applied it) or by
-- PUT /api/v1/transcripts/{chatId}/tags (history's clock). A chat.tagged older than this changes nothing, so a late or
-- replayed event cannot undo a newer edit. NULL: never tagged since this column exists (any tagging applies).
ALTER TABLE chat ADD COLUMN tags_set_at timestamptz;
