-- Suggestions (README, "Suggestions"): the state is here, never only in one process's memory, so a restart or
-- another instance gives the same answers.

-- the latest visitor messages of each chat (at most chatroute.knowledge.suggestions.context-messages)
create table chat_context (
    chat_id     varchar(200) not null,
    seq         bigint       not null,
    text        text         not null,
    sent_at     timestamptz  not null,
    primary key (chat_id, seq)
);

-- what was suggested in each chat: not suggested again unless it now ranks clearly higher
create table chat_suggested (
    chat_id      varchar(200) not null,
    article_id   varchar(100) not null,
    rank         int          not null,
    score        double precision not null,
    for_seq      bigint       not null,
    suggested_at timestamptz  not null,
    primary key (chat_id, article_id)
);

-- each answered chat.message.posted and the kb.suggested it got (null: none); a redelivered message is answered
-- with the same event again
create table suggestion_answer (
    source_event_id varchar(200) primary key,
    chat_id         varchar(200) not null,
    data            text,
    created_at      timestamptz  not null
);
create index suggestion_answer_created_idx on suggestion_answer (created_at);

-- visitor questions whose best article scored below chatroute.knowledge.suggestions.unanswered-below
create table unanswered_question (
    language    varchar(8)   not null,
    question    text         not null,
    example     text         not null,
    count       bigint       not null,
    best_score  double precision,
    first_seen  timestamptz  not null,
    last_seen   timestamptz  not null,
    primary key (language, question)
);
create index unanswered_question_count_idx on unanswered_question (count desc, last_seen desc);

-- suggestion.used, once per event id
create table suggestion_use (
    event_id    varchar(200) primary key,
    chat_id     varchar(200) not null,
    article_id  varchar(100) not null,
    agent_id    varchar(200),
    question    text,
    used_at     timestamptz  not null,
    recorded_at timestamptz  not null
);
create index suggestion_use_article_idx on suggestion_use (article_id);

-- The bot (README, "The bot")
create table bot_settings (
    id                 int primary key check (id = 1),
    enabled            boolean          not null,
    min_score          double precision not null,
    min_margin         double precision not null,
    while_queued_only  boolean          not null,
    updated_at         timestamptz      not null
);

-- what the bot knows of each chat, from chat-events: WAITING (requested/queued), ASSIGNED, CLOSED
create table bot_chat (
    chat_id     varchar(200) primary key,
    state       varchar(16)  not null,
    language    varchar(16),
    updated_at  timestamptz  not null
);

create table bot_event (
    event_id     varchar(200) primary key,
    processed_at timestamptz  not null
);
create index bot_event_processed_idx on bot_event (processed_at);

-- one answer at most per visitor message (the first message of chat.requested is seq 1)
create table bot_reply (
    chat_id          varchar(200) not null,
    for_seq          bigint       not null,
    source_event_id  varchar(200) not null,
    client_msg_id    varchar(100) not null,
    article_id       varchar(100) not null,
    score            double precision not null,
    text             text         not null,
    status           varchar(16)  not null,
    created_at       timestamptz  not null,
    posted_at        timestamptz,
    primary key (chat_id, for_seq)
);
create index bot_reply_source_idx on bot_reply (source_event_id);
