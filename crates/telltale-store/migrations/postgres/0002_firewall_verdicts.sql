-- The firewall's decisions, by what was decided on: the artifact's integrity, the telltale
-- version and rule set that scanned it, and the policy that judged it (all in `key`).
CREATE TABLE firewall_verdicts (
    key        TEXT PRIMARY KEY,
    ecosystem  TEXT NOT NULL,
    name       TEXT NOT NULL,
    version    TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('allow', 'warn', 'block')),
    reason     TEXT NOT NULL,
    decided_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX firewall_verdicts_package ON firewall_verdicts (ecosystem, name, version);
