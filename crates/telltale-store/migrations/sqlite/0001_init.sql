-- telltale store, SQLite dialect, version 1: packages, versions, scans, findings and the
-- views behind the shipped questions. Timestamps are UTC ISO-8601 text
-- (`2026-01-31T12:00:00.000Z`), which sorts and compares as time.

CREATE TABLE packages (
    id          INTEGER PRIMARY KEY,
    ecosystem   TEXT NOT NULL,              -- npm | pypi | file
    name        TEXT NOT NULL,
    first_seen  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (ecosystem, name)
);

CREATE TABLE versions (
    id          INTEGER PRIMARY KEY,
    package_id  INTEGER NOT NULL REFERENCES packages (id),
    version     TEXT NOT NULL,
    first_seen  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (package_id, version)
);

-- One scan of one version by one telltale build and rule set; rescanning with the same
-- pair is a no-op, so workers may retry freely.
CREATE TABLE scans (
    id                     INTEGER PRIMARY KEY,
    version_id             INTEGER NOT NULL REFERENCES versions (id),
    telltale_version       TEXT NOT NULL,
    ruleset_hash           TEXT NOT NULL,
    scanned_at             TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    duration_ms            INTEGER,
    worker                 TEXT,
    error                  TEXT,            -- set when the scan failed; such scans have no findings
    target                 TEXT,
    files_scanned          INTEGER NOT NULL DEFAULT 0,
    bytes_scanned          INTEGER NOT NULL DEFAULT 0,
    report                 TEXT,            -- JSON: the TargetReport without its findings
    label                  TEXT,            -- JSON: the privacy label
    -- The label flattened to readable text, for label_history.
    label_collects         TEXT NOT NULL DEFAULT '',
    label_sends            INTEGER NOT NULL DEFAULT 0,
    label_destinations     TEXT NOT NULL DEFAULT '',
    label_countries        TEXT NOT NULL DEFAULT '',
    label_opt_outs         TEXT NOT NULL DEFAULT '',
    label_install_scripts  TEXT NOT NULL DEFAULT '',
    label_activation       TEXT NOT NULL DEFAULT '',
    UNIQUE (version_id, telltale_version, ruleset_hash)
);
CREATE INDEX scans_scanned_at ON scans (scanned_at);

CREATE TABLE findings (
    id            INTEGER PRIMARY KEY,
    scan_id       INTEGER NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
    ordinal       INTEGER NOT NULL,         -- position in the report
    rule          TEXT NOT NULL,
    name          TEXT NOT NULL,
    category      TEXT NOT NULL,
    severity      TEXT NOT NULL,
    file          TEXT NOT NULL,
    line          INTEGER NOT NULL,
    column_no     INTEGER NOT NULL,
    message       TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,            -- '' when the report was not assembled
    countries     TEXT NOT NULL,            -- comma-joined, as the finding lists them
    endpoints     TEXT NOT NULL,            -- comma-joined, as the finding lists them
    install_time  INTEGER NOT NULL,
    evidence      TEXT NOT NULL,            -- JSON array
    detail        TEXT NOT NULL,            -- JSON: the whole finding
    UNIQUE (scan_id, ordinal)
);
CREATE INDEX findings_category ON findings (category);

-- One row per endpoint of a finding, so endpoint questions need no JSON unnesting.
CREATE TABLE finding_endpoints (
    finding_id  INTEGER NOT NULL REFERENCES findings (id) ON DELETE CASCADE,
    endpoint    TEXT NOT NULL,
    PRIMARY KEY (finding_id, endpoint)
);
CREATE INDEX finding_endpoints_endpoint ON finding_endpoints (endpoint);

-- Each version with its current scan (the latest successful one) and the time it was first
-- scanned successfully, which orders a package's versions: registries publish in that order
-- and a rescan with new rules must not move an old version after a new one.
CREATE VIEW version_scans AS
SELECT p.id AS package_id, p.ecosystem, p.name, v.id AS version_id, v.version,
       s.id AS scan_id, s.scanned_at, s.telltale_version,
       (SELECT MIN(f.scanned_at) FROM scans f WHERE f.version_id = v.id AND f.error IS NULL) AS first_scanned_at
FROM scans s
JOIN versions v ON v.id = s.version_id
JOIN packages p ON p.id = v.package_id
WHERE s.error IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM scans l
      WHERE l.version_id = s.version_id AND l.error IS NULL
        AND (l.scanned_at > s.scanned_at OR (l.scanned_at = s.scanned_at AND l.id > s.id)));

-- The same with the package's previous version beside each version.
CREATE VIEW version_sequence AS
SELECT vs.*,
       LAG(vs.scan_id) OVER w AS prev_scan_id,
       LAG(vs.version) OVER w AS prev_version
FROM version_scans vs
WINDOW w AS (PARTITION BY vs.package_id ORDER BY vs.first_scanned_at, vs.version_id);

-- Region findings of a version that its previous version did not have (same fingerprint,
-- or same rule and countries). A package's first version has nothing to gain against.
CREATE VIEW region_gained AS
SELECT h.ecosystem, h.name, h.version, h.prev_version AS previous_version, h.scanned_at,
       h.scan_id, f.rule, f.countries, f.severity, f.file, f.line, f.fingerprint
FROM version_sequence h
JOIN findings f ON f.scan_id = h.scan_id
WHERE f.category = 'region'
  AND h.prev_scan_id IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM findings pf
      WHERE pf.scan_id = h.prev_scan_id AND pf.category = 'region'
        AND ((pf.fingerprint <> '' AND pf.fingerprint = f.fingerprint)
             OR (pf.rule = f.rule AND pf.countries = f.countries)));

-- Identity sent to an endpoint that no earlier version of the package sent identity to
-- (a package's first version counts: everything it sends to is first seen there).
CREATE VIEW identity_endpoints_first_seen AS
SELECT h.ecosystem, h.name, h.version, h.prev_version AS previous_version, h.scanned_at,
       h.scan_id, h.first_scanned_at, h.version_id, e.endpoint,
       MIN(f.rule) AS rule, COUNT(*) AS findings
FROM version_sequence h
JOIN findings f ON f.scan_id = h.scan_id
JOIN finding_endpoints e ON e.finding_id = f.id
WHERE f.category IN ('exfiltration', 'identity')
  AND NOT EXISTS (
      SELECT 1 FROM version_scans h2
      JOIN findings f2 ON f2.scan_id = h2.scan_id
      JOIN finding_endpoints e2 ON e2.finding_id = f2.id
      WHERE h2.package_id = h.package_id
        AND f2.category IN ('exfiltration', 'identity')
        AND e2.endpoint = e.endpoint
        AND (h2.first_scanned_at < h.first_scanned_at
             OR (h2.first_scanned_at = h.first_scanned_at AND h2.version_id < h.version_id)))
GROUP BY h.ecosystem, h.name, h.version, h.prev_version, h.scanned_at, h.scan_id,
         h.first_scanned_at, h.version_id, e.endpoint;

-- A package's privacy label per version, from each version's current scan.
CREATE VIEW label_history AS
SELECT h.ecosystem, h.name, h.version, h.scanned_at, h.first_scanned_at, h.version_id,
       h.scan_id, h.telltale_version,
       s.label_collects AS collects, s.label_sends AS sends,
       s.label_destinations AS destinations, s.label_countries AS countries,
       s.label_opt_outs AS opt_outs, s.label_install_scripts AS install_scripts,
       s.label_activation AS activation
FROM version_scans h
JOIN scans s ON s.id = h.scan_id;

-- Every scan, failed ones included, with its findings counted by severity.
CREATE VIEW scan_summary AS
SELECT s.id AS scan_id, p.ecosystem, p.name, v.version, s.scanned_at, s.telltale_version,
       s.ruleset_hash, s.duration_ms, s.worker, s.error,
       (SELECT COUNT(*) FROM findings f WHERE f.scan_id = s.id AND f.severity = 'critical') AS critical,
       (SELECT COUNT(*) FROM findings f WHERE f.scan_id = s.id AND f.severity = 'high') AS high,
       (SELECT COUNT(*) FROM findings f WHERE f.scan_id = s.id AND f.severity = 'medium') AS medium,
       (SELECT COUNT(*) FROM findings f WHERE f.scan_id = s.id AND f.severity = 'low') AS low,
       (SELECT COUNT(*) FROM findings f WHERE f.scan_id = s.id AND f.severity = 'info') AS info
FROM scans s
JOIN versions v ON v.id = s.version_id
JOIN packages p ON p.id = v.package_id;
