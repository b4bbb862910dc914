#pragma once
// The store's schema as ordered migrations: kStoreMigrations[k] takes a database from schema version k to k + 1.
// A new version appends a migration; a released migration is never edited. The version is the single row of
// schema_version; PRAGMA application_id marks the file as irtcat's.
//
// Tables (version 2):
//   banks            one row per bank: name (unique), title, domain, version, scaling constant D, provenance,
//                    topics (a JSON array of strings, in order), imported_at, tests (finished sessions counted
//                    for exposure rates since the bank's current version was imported).
//   items            one row per item, keyed (bank_id, item_id), `position` its place in bank order.
//                    Parameters: `model` as text ("1pl" "2pl" "3pl" "4pl" "grm" "gpcm" "pcm"); a, b, c, d as REAL
//                    for dichotomous items (b, c, d NULL for polytomous items); `thresholds` a JSON array of
//                    numbers for polytomous items (NULL for dichotomous ones), printed in the shortest form that
//                    reads back exactly. `status` 'active' or 'retired'; `exposure` the Sympson–Hetter K in [0, 1];
//                    `source` where the parameters come from. Content: difficulty (the author's 0..5 rating),
//                    stem, options (a JSON array of strings), answer_key (0-based option index, −1 for none),
//                    explanation.
//   sessions         one row per adaptive test: bank_id, bank_version (the version it was started on), config
//                    (irtcat::to_json(SessionConfig)), seed (decimal text: SQLite integers are signed), status
//                    'active' or 'finished', started_at, updated_at, and once finished theta, se, stop_reason.
//   responses        the append-only log, keyed (session_id, seq): seq runs 1, 2, ... without gaps, an item
//                    appears once per session, nothing is appended to a finished session, and rows are never
//                    updated or deleted (triggers enforce each of these).
//   exposure_counts  (bank_id, item_id) -> how many finished sessions on the bank's current version gave it.
// Tables of the service (version 3, src/service/):
//   service_clients  the platforms allowed to call `irtcat serve`: client_id, name, salt and the PBKDF2-SHA-256 hash
//                    of the secret (the secret itself is shown once and never stored).
//   service_tokens   bearer tokens: the SHA-256 of the token, its client and its expiry (Unix seconds).
//   service_sections a 1EdTech CAT section: its public id, owner, the bank (and version) it tests on, the section
//                    configuration as the platform sent it (base64, as the binding returns it), the session
//                    configuration compiled from it (irtcat::to_json), the QTI metadata and usage data as sent,
//                    status 'active' or 'ended'.
//   service_sessions a session of a section: its public id and the store's session it runs as; `ended` once the
//                    platform ended it.
// Version 4:
//   service_tokens   gains section_id: NULL for a platform's token (every call of its client), or the one section a
//                    candidate's token may take (create its own sessions, answer, read their reports).
// Version 5:
//   sessions         gains offered_item: the item an active session offers after its last response, stored where
//                    the log alone does not decide it (progressive-restricted control read exposure counts); NULL
//                    otherwise. Appending a response or finishing the session clears it.
// Version 6:
//   designs          the test designs of a bank (design.hpp), keyed (bank_id, name, version): versions 1, 2, ... are
//                    never changed (a trigger refuses updates), a new one is stored instead. bank_version is the
//                    bank's version when it was stored (Sympson–Hetter K are per item of that version);
//                    description, balance_topics (0/1), config (irtcat::to_json(SessionConfig), topics unbalanced),
//                    note (how it was made: "imported from FILE", the exposure calibration's result), created_at.
//   sessions         gains design and design_version (the stored design it runs, NULL for an ad-hoc
//                    configuration) and candidate (an opaque identifier the platform gives, NULL if none).
//   responses        gains option_index: the option chosen (0-based) where the item has options, beside the
//                    scored category in `response`; NULL for answers stored before version 6 or given as a score.
// Version 7:
//   rescorings       one row per key correction (Store::rescore_item): the bank, the item, the key before and after
//                    (0-based options), the note, created_at. The item's answer_key is updated in place: a key
//                    never enters a session's replay (the log holds scores), so the bank keeps its version.
//   rescored_responses  the score a rescoring gave a logged response it changed, keyed (session_id, seq,
//                    rescoring_id); never updated or deleted. A response's score is its latest rescored one, else
//                    the logged one.
//   sessions         gains first_theta and first_se: the final estimate as the test ended, kept when a rescoring
//                    replaces theta and se (NULL until then).
//   service_sections gains design and design_version: the stored design a section runs (NULL: its own config).
// Times are UTC, ISO 8601 with milliseconds.

#include <array>

namespace irtcat::detail {

inline constexpr std::array<const char*, 7> kStoreMigrations = {
    // ---- 0 -> 1: banks, items, sessions, responses ----
    R"sql(
PRAGMA application_id = 1230132291;
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version (version) VALUES (1);
CREATE TABLE banks (
  bank_id     INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE CHECK (name <> ''),
  title       TEXT NOT NULL,
  domain      TEXT NOT NULL,
  version     INTEGER NOT NULL,
  scaling     REAL NOT NULL CHECK (scaling > 0),
  provenance  TEXT NOT NULL,
  topics      TEXT NOT NULL,
  imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE items (
  bank_id     INTEGER NOT NULL REFERENCES banks (bank_id) ON DELETE CASCADE,
  item_id     TEXT NOT NULL CHECK (item_id <> ''),
  position    INTEGER NOT NULL CHECK (position >= 0),
  model       TEXT NOT NULL CHECK (model IN ('1pl', '2pl', '3pl', '4pl', 'grm', 'gpcm', 'pcm')),
  a           REAL NOT NULL CHECK (a > 0),
  b           REAL,
  c           REAL,
  d           REAL,
  thresholds  TEXT,
  topic       TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
  exposure    REAL NOT NULL DEFAULT 1 CHECK (exposure >= 0 AND exposure <= 1),
  source      TEXT NOT NULL,
  difficulty  INTEGER NOT NULL,
  stem        TEXT NOT NULL,
  options     TEXT NOT NULL,
  answer_key  INTEGER NOT NULL,
  explanation TEXT NOT NULL,
  PRIMARY KEY (bank_id, item_id),
  UNIQUE (bank_id, position)
) WITHOUT ROWID;
CREATE TABLE sessions (
  session_id   INTEGER PRIMARY KEY,
  bank_id      INTEGER NOT NULL REFERENCES banks (bank_id),
  bank_version INTEGER NOT NULL,
  config       TEXT NOT NULL,
  seed         TEXT NOT NULL,
  status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'finished')),
  started_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  theta        REAL,
  se           REAL,
  stop_reason  TEXT
);
CREATE INDEX sessions_by_bank ON sessions (bank_id);
CREATE TABLE responses (
  session_id  INTEGER NOT NULL REFERENCES sessions (session_id),
  seq         INTEGER NOT NULL CHECK (seq >= 1),
  item_id     TEXT NOT NULL,
  response    INTEGER NOT NULL CHECK (response >= 0),
  answered_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE TRIGGER responses_in_order BEFORE INSERT ON responses
  WHEN NEW.seq <> (SELECT COALESCE(MAX(seq), 0) + 1 FROM responses WHERE session_id = NEW.session_id)
  BEGIN SELECT RAISE(ABORT, 'responses are appended in order: seq must follow the last one'); END;
CREATE TRIGGER responses_once_per_item BEFORE INSERT ON responses
  WHEN EXISTS (SELECT 1 FROM responses WHERE session_id = NEW.session_id AND item_id = NEW.item_id)
  BEGIN SELECT RAISE(ABORT, 'the session already has a response to this item'); END;
CREATE TRIGGER responses_while_active BEFORE INSERT ON responses
  WHEN (SELECT status FROM sessions WHERE session_id = NEW.session_id) = 'finished'
  BEGIN SELECT RAISE(ABORT, 'the session is finished'); END;
CREATE TRIGGER responses_no_update BEFORE UPDATE ON responses
  BEGIN SELECT RAISE(ABORT, 'responses are append-only'); END;
CREATE TRIGGER responses_no_delete BEFORE DELETE ON responses
  BEGIN SELECT RAISE(ABORT, 'responses are append-only'); END;
)sql",
    // ---- 1 -> 2: exposure counts, backfilled from the finished sessions on each bank's current version ----
    R"sql(
ALTER TABLE banks ADD COLUMN tests INTEGER NOT NULL DEFAULT 0 CHECK (tests >= 0);
CREATE TABLE exposure_counts (
  bank_id      INTEGER NOT NULL REFERENCES banks (bank_id) ON DELETE CASCADE,
  item_id      TEXT NOT NULL,
  administered INTEGER NOT NULL DEFAULT 0 CHECK (administered >= 0),
  PRIMARY KEY (bank_id, item_id)
) WITHOUT ROWID;
INSERT INTO exposure_counts (bank_id, item_id, administered)
  SELECT s.bank_id, r.item_id, COUNT(*)
  FROM responses r JOIN sessions s ON s.session_id = r.session_id JOIN banks b ON b.bank_id = s.bank_id
  WHERE s.status = 'finished' AND s.bank_version = b.version
  GROUP BY s.bank_id, r.item_id;
UPDATE banks SET tests = (SELECT COUNT(*) FROM sessions s
                          WHERE s.bank_id = banks.bank_id AND s.status = 'finished' AND s.bank_version = banks.version);
)sql",
    // ---- 2 -> 3: the service's clients, tokens, sections and sessions ----
    R"sql(
CREATE TABLE service_clients (
  client_id   TEXT PRIMARY KEY CHECK (client_id <> ''),
  name        TEXT NOT NULL,
  salt        TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) WITHOUT ROWID;
CREATE TABLE service_tokens (
  token_hash TEXT PRIMARY KEY,
  client_id  TEXT NOT NULL REFERENCES service_clients (client_id) ON DELETE CASCADE,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE service_sections (
  section_id    TEXT PRIMARY KEY CHECK (section_id <> ''),
  client_id     TEXT NOT NULL REFERENCES service_clients (client_id),
  bank_id       INTEGER NOT NULL REFERENCES banks (bank_id),
  bank_version  INTEGER NOT NULL,
  configuration TEXT NOT NULL,
  config        TEXT NOT NULL,
  qti_metadata  TEXT NOT NULL,
  qti_usagedata TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) WITHOUT ROWID;
CREATE TABLE service_sessions (
  session_key TEXT PRIMARY KEY CHECK (session_key <> ''),
  section_id  TEXT NOT NULL REFERENCES service_sections (section_id),
  session_id  INTEGER NOT NULL UNIQUE REFERENCES sessions (session_id),
  ended       INTEGER NOT NULL DEFAULT 0 CHECK (ended IN (0, 1))
) WITHOUT ROWID;
)sql",
    // ---- 3 -> 4: candidate tokens, limited to taking one section ----
    R"sql(
ALTER TABLE service_tokens ADD COLUMN section_id TEXT REFERENCES service_sections (section_id);
)sql",
    // ---- 4 -> 5: the item a session offers, where its log does not decide it ----
    R"sql(
ALTER TABLE sessions ADD COLUMN offered_item TEXT;
)sql",
    // ---- 5 -> 6: stored test designs; a session's design and candidate; the option chosen beside its score ----
    R"sql(
CREATE TABLE designs (
  bank_id        INTEGER NOT NULL REFERENCES banks (bank_id) ON DELETE CASCADE,
  name           TEXT NOT NULL CHECK (name <> ''),
  version        INTEGER NOT NULL CHECK (version >= 1),
  bank_version   INTEGER NOT NULL,
  description    TEXT NOT NULL,
  balance_topics INTEGER NOT NULL CHECK (balance_topics IN (0, 1)),
  config         TEXT NOT NULL,
  note           TEXT NOT NULL DEFAULT '',
  created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (bank_id, name, version)
) WITHOUT ROWID;
CREATE TRIGGER designs_no_update BEFORE UPDATE ON designs
  BEGIN SELECT RAISE(ABORT, 'a stored design version is never changed: store a new version'); END;
ALTER TABLE sessions ADD COLUMN design TEXT;
ALTER TABLE sessions ADD COLUMN design_version INTEGER;
ALTER TABLE sessions ADD COLUMN candidate TEXT;
ALTER TABLE responses ADD COLUMN option_index INTEGER CHECK (option_index IS NULL OR option_index >= 0);
)sql",
    // ---- 6 -> 7: key corrections and the scores they changed ----
    R"sql(
CREATE TABLE rescorings (
  rescoring_id INTEGER PRIMARY KEY,
  bank_id      INTEGER NOT NULL REFERENCES banks (bank_id) ON DELETE CASCADE,
  item_id      TEXT NOT NULL,
  previous_key INTEGER NOT NULL,
  answer_key   INTEGER NOT NULL CHECK (answer_key >= 0),
  note         TEXT NOT NULL DEFAULT '',
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE rescored_responses (
  session_id   INTEGER NOT NULL,
  seq          INTEGER NOT NULL,
  rescoring_id INTEGER NOT NULL REFERENCES rescorings (rescoring_id),
  response     INTEGER NOT NULL CHECK (response >= 0),
  PRIMARY KEY (session_id, seq, rescoring_id),
  FOREIGN KEY (session_id, seq) REFERENCES responses (session_id, seq)
) WITHOUT ROWID;
CREATE TRIGGER rescored_responses_no_update BEFORE UPDATE ON rescored_responses
  BEGIN SELECT RAISE(ABORT, 'rescored responses are append-only'); END;
CREATE TRIGGER rescored_responses_no_delete BEFORE DELETE ON rescored_responses
  BEGIN SELECT RAISE(ABORT, 'rescored responses are append-only'); END;
ALTER TABLE sessions ADD COLUMN first_theta REAL;
ALTER TABLE sessions ADD COLUMN first_se REAL;
ALTER TABLE service_sections ADD COLUMN design TEXT;
ALTER TABLE service_sections ADD COLUMN design_version INTEGER;
)sql",
};

}  // namespace irtcat::detail
