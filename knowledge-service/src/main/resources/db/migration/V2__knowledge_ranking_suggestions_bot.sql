-- alternate questions and synonyms per article (written by the author), and when visitor questions were last
-- learned for it from suggestion.used (the index version is the later of updated_at and learned_at)
alter table article add column questions text not null default '[]';
alter table article add column synonyms text not null default '[]';
alter table article add column learned text not null default '[]';
alter table article add column learned_at timestamptz;
