create table article (
    id          varchar(100) primary key,
    title       varchar(200) not null,
    body        text         not null,
    language    varchar(8)   not null,
    tags        text         not null default '[]',
    is_public   boolean      not null default true,
    created_at  timestamptz  not null,
    updated_at  timestamptz  not null
);
create index article_language_idx on article (language);

create table canned_response (
    id          varchar(100) primary key,
    shortcut    varchar(50)  not null,
    text        text         not null,
    language    varchar(8),
    created_at  timestamptz  not null,
    updated_at  timestamptz  not null
);
-- one response per shortcut and language ("" = any language)
create unique index canned_response_shortcut_language_uq on canned_response (lower(shortcut), coalesce(language, ''));
create index canned_response_shortcut_prefix_idx on canned_response (lower(shortcut) text_pattern_ops);
