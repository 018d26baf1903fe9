-- The schema voicebot made before versioned migrations (records/shapes.py and council/cases.py
-- at commit 043c36c), kept to test that such a database is upgraded in place.
CREATE TABLE IF NOT EXISTS calls (
    sid TEXT PRIMARY KEY,
    from_number TEXT NOT NULL DEFAULT '',
    to_number TEXT NOT NULL DEFAULT '',
    started_at REAL NOT NULL,
    ended_at REAL,
    status TEXT,
    outcome TEXT CHECK (outcome IN ('contained', 'transferred', 'abandoned', 'error')),
    reason TEXT,
    team TEXT,
    transfer_reason TEXT,
    summary TEXT,
    verified INTEGER NOT NULL DEFAULT 0,
    slots TEXT
);
CREATE INDEX IF NOT EXISTS calls_started ON calls (started_at);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL REFERENCES calls (sid) ON DELETE CASCADE,
    at REAL NOT NULL,
    who TEXT NOT NULL CHECK (who IN ('caller', 'bot')),
    text TEXT NOT NULL,
    intent TEXT,
    score REAL,
    slots TEXT,
    confidence REAL,
    interrupted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS turns_sid ON turns (sid, id);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sid TEXT NOT NULL REFERENCES calls (sid) ON DELETE CASCADE,
    at REAL NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_sid ON events (sid, id);
CREATE TABLE IF NOT EXISTS handoffs (
    sid TEXT PRIMARY KEY REFERENCES calls (sid) ON DELETE CASCADE,
    team TEXT NOT NULL,
    reason TEXT NOT NULL,
    summary TEXT NOT NULL,
    verified INTEGER NOT NULL DEFAULT 0,
    slots TEXT,
    queued_at REAL NOT NULL,
    claimed_by TEXT,
    claimed_at REAL,
    left_at REAL,
    closed_at REAL,
    closed_by TEXT,
    outcome TEXT CHECK (outcome IN ('resolved', 'callback', 'other')),
    note TEXT
);
CREATE INDEX IF NOT EXISTS handoffs_queued ON handoffs (queued_at);
CREATE TABLE IF NOT EXISTS cases (
    reference TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    uprn TEXT NOT NULL,
    detail TEXT NOT NULL,
    call_sid TEXT,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_uprn ON cases (uprn, kind, created);
