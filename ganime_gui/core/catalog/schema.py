"""The catalog's schema, as an append-only list of migrations.

Version N of the schema is the result of running MIGRATIONS[0..N-1] in order. Never edit a
migration that has shipped: append a new one. Times are unix seconds (REAL); JSON columns hold
text; paths are relative to the project folder with '/' separators.
"""

MIGRATIONS: list[str] = [
    # v1: posts from the crawler, files on disk, labels by hand.
    """
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        md5 TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        width INTEGER,
        height INTEGER,
        state TEXT NOT NULL DEFAULT 'ok',          -- ok | missing | corrupt
        added_at REAL NOT NULL
    );
    CREATE TABLE posts (
        id INTEGER PRIMARY KEY,
        site TEXT NOT NULL,
        post_id INTEGER NOT NULL,
        md5 TEXT,
        tags TEXT NOT NULL DEFAULT '',
        rating TEXT,
        width INTEGER,
        height INTEGER,
        source TEXT,
        file_url TEXT,
        sample_url TEXT,
        preview_url TEXT,
        created_at TEXT,
        score INTEGER,
        state TEXT NOT NULL DEFAULT 'listed',      -- listed | filtered | downloaded | duplicate | failed
        error TEXT,
        file_id INTEGER REFERENCES files(id) ON DELETE SET NULL,
        UNIQUE (site, post_id)
    );
    CREATE INDEX posts_md5 ON posts(md5);
    CREATE INDEX posts_file ON posts(file_id);
    CREATE TABLE post_tags (
        tag TEXT NOT NULL,
        post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
        PRIMARY KEY (tag, post_id)
    ) WITHOUT ROWID;
    CREATE TABLE label_sets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL
    );
    CREATE TABLE label_classes (
        label_set_id INTEGER NOT NULL REFERENCES label_sets(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        color TEXT NOT NULL,
        PRIMARY KEY (label_set_id, name)
    );
    CREATE TABLE labels (
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        label_set_id INTEGER NOT NULL REFERENCES label_sets(id) ON DELETE CASCADE,
        label TEXT NOT NULL,
        labelled_at REAL NOT NULL,
        PRIMARY KEY (file_id, label_set_id)
    );
    CREATE INDEX labels_by_set ON labels(label_set_id, label);
    """,
    # v2: label history (undo across restarts), models and their predictions, crawl jobs with
    # resumable cursors, training runs, perceptual hashes for near-duplicate groups.
    """
    ALTER TABLE files ADD COLUMN phash TEXT;
    CREATE TABLE label_events (
        id INTEGER PRIMARY KEY,
        batch INTEGER NOT NULL,
        label_set_id INTEGER NOT NULL REFERENCES label_sets(id) ON DELETE CASCADE,
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        old_label TEXT,
        new_label TEXT,
        at REAL NOT NULL,
        undone INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX label_events_batch ON label_events(batch);
    CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        path TEXT NOT NULL,
        label_set TEXT NOT NULL,
        classes TEXT NOT NULL,                     -- JSON list of class names, in output order
        backbone TEXT NOT NULL,
        input_size INTEGER NOT NULL,
        val_accuracy REAL,
        created_at REAL NOT NULL,
        meta TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE predictions (
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        scores TEXT NOT NULL,                      -- JSON list, one score per class
        predicted TEXT NOT NULL,
        confidence REAL NOT NULL,
        at REAL NOT NULL,
        PRIMARY KEY (model_id, file_id)
    );
    CREATE TABLE crawl_jobs (
        id INTEGER PRIMARY KEY,
        site TEXT NOT NULL,
        base_url TEXT,
        query TEXT NOT NULL,                       -- JSON: tags, excludes, filters
        state TEXT NOT NULL DEFAULT 'new',         -- new | running | paused | done | stopped | blocked | failed
        cursor TEXT,                               -- JSON, site-specific keyset cursor
        stats TEXT NOT NULL DEFAULT '{}',
        end_reason TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE crawl_pages (
        job_id INTEGER NOT NULL REFERENCES crawl_jobs(id) ON DELETE CASCADE,
        page_key TEXT NOT NULL,
        posts INTEGER NOT NULL,
        done_at REAL NOT NULL,
        PRIMARY KEY (job_id, page_key)
    );
    ALTER TABLE posts ADD COLUMN job_id INTEGER REFERENCES crawl_jobs(id) ON DELETE SET NULL;
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,                        -- classifier | gan | classify
        name TEXT NOT NULL,
        path TEXT,
        config TEXT NOT NULL DEFAULT '{}',
        state TEXT NOT NULL DEFAULT 'running',     -- running | done | stopped | failed
        summary TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    """,  # noqa: E501 (a shipped migration is never edited, its long comment lines included)
    # v3 (crawler): each post's full parsed record (every size variant, fallback URLs) so a resumed
    # crawl downloads it without listing its page again; pending posts looked up per crawl.
    """
    ALTER TABLE posts ADD COLUMN meta TEXT NOT NULL DEFAULT '{}';
    CREATE INDEX posts_job_state ON posts(job_id, state);
    """,
    # v4 (data): the "reasons" label set (clean, then the seed's reject reasons; labels.py) in
    # projects made before it shipped. A new catalog has no label sets yet when this runs (they
    # come after, in DEFAULT_LABEL_SETS order); a project with its own "reasons" set keeps it.
    """
    INSERT INTO label_sets(name, created_at)
        SELECT 'reasons', CAST(strftime('%s', 'now') AS REAL)
        WHERE EXISTS (SELECT 1 FROM label_sets)
          AND NOT EXISTS (SELECT 1 FROM label_sets WHERE name = 'reasons');
    INSERT INTO label_classes(label_set_id, position, name, color)
        SELECT s.id, v.column1, v.column2, v.column3
        FROM label_sets AS s,
             (VALUES (0, 'clean', '#e6194b'), (1, 'chibi', '#3cb44b'), (2, 'more_than_one', '#4363d8'),
                     (3, 'flashy_background', '#f58231'), (4, 'weird_viewpoint', '#911eb4')) AS v
        WHERE s.name = 'reasons'
          AND NOT EXISTS (SELECT 1 FROM label_classes AS c WHERE c.label_set_id = s.id);
    """,
]
