"""Append-only, enforced by the database: triggers that refuse changing or removing the log.

- An entry may be updated only while it is not in the log (`seq` is null: a modification
  waiting for its outcome), and then only in its outcome's fields and its `seq`.
- An entry may be deleted only under a grant in `audit_deletion_grants` for its tenant and an
  instant after it, written in the deleting transaction itself: the one guarded path
  retention goes through.
- Leaves, tree nodes and checkpoints are never updated or deleted; on PostgreSQL no log table
  can be truncated.

Whoever can drop triggers can still rewrite rows; that is what the Merkle log and its signed
checkpoints detect (`docs/audit.md`, threat model).
"""

from __future__ import annotations

from asgi_audit.events import ENTRY

REFUSED = "the audit log is append-only"

FROZEN_TABLES = ("audit_leaves", "audit_nodes", "audit_checkpoints")
"""Tables whose rows never change once written."""
LOG_TABLES = ("audit_entries", *FROZEN_TABLES)


def fixed_columns() -> list[str]:
    """The entry's columns an update may never change (all but the outcome's and `seq`)."""
    return [f.column for f in ENTRY.fields if not f.completes and f.column != "seq"]


def _sqlite(fixed: list[str]) -> list[str]:
    changed = " OR ".join(f"NEW.{col} IS NOT OLD.{col}" for col in fixed)
    granted = (
        "EXISTS (SELECT 1 FROM audit_deletion_grants g WHERE g.tenant_id = OLD.tenant_id "
        "AND OLD.occurred_at < g.before)"
    )
    statements = [
        "CREATE TRIGGER audit_entries_update BEFORE UPDATE ON audit_entries "
        f"WHEN OLD.seq IS NOT NULL OR {changed} "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}: an entry in the log cannot change'); END",
        "CREATE TRIGGER audit_entries_delete BEFORE DELETE ON audit_entries "
        f"WHEN NOT {granted} "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}: entries are removed only by retention'); END",
    ]
    for table in FROZEN_TABLES:
        for op in ("UPDATE", "DELETE"):
            statements.append(
                f"CREATE TRIGGER {table}_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSED}: {table} never changes'); END"
            )
    return statements


def _postgres(fixed: list[str]) -> list[str]:
    new = ", ".join(f"NEW.{col}" for col in fixed)
    old = ", ".join(f"OLD.{col}" for col in fixed)
    return [
        # Built from the record's own column names, never from input.
        "CREATE OR REPLACE FUNCTION audit_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$ "  # noqa: S608
        "BEGIN "
        "IF TG_OP = 'DELETE' THEN "
        "  IF EXISTS (SELECT 1 FROM audit_deletion_grants g WHERE g.tenant_id = OLD.tenant_id "
        "             AND OLD.occurred_at < g.before) THEN RETURN OLD; END IF; "
        f"  RAISE EXCEPTION '{REFUSED}: entries are removed only by retention' "
        "    USING ERRCODE = 'integrity_constraint_violation'; "
        "END IF; "
        f"IF OLD.seq IS NOT NULL OR ROW({new}) IS DISTINCT FROM ROW({old}) THEN "
        f"  RAISE EXCEPTION '{REFUSED}: an entry in the log cannot change' "
        "    USING ERRCODE = 'integrity_constraint_violation'; "
        "END IF; "
        "RETURN NEW; "
        "END $$",
        "CREATE OR REPLACE FUNCTION audit_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{REFUSED}: % never changes', TG_TABLE_NAME "
        "USING ERRCODE = 'integrity_constraint_violation'; END $$",
        "CREATE TRIGGER audit_entries_guard BEFORE UPDATE OR DELETE ON audit_entries "
        "FOR EACH ROW EXECUTE FUNCTION audit_entries_guard()",
        *(
            f"CREATE TRIGGER {table}_frozen BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_frozen()"
            for table in FROZEN_TABLES
        ),
        *(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_frozen()"
            for table in LOG_TABLES
        ),
    ]


def guard_statements(dialect: str, fixed: list[str] | None = None) -> list[str]:
    """The DDL that makes the log append-only on `dialect` ('sqlite' or 'postgresql'): an
    entry's `fixed` columns (default: `fixed_columns()`) never change once stored."""
    fixed = fixed_columns() if fixed is None else fixed
    return _postgres(fixed) if dialect == "postgresql" else _sqlite(fixed)


def drop_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS audit_entries_guard ON audit_entries",
            *(f"DROP TRIGGER IF EXISTS {t}_frozen ON {t}" for t in FROZEN_TABLES),
            *(f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}" for t in LOG_TABLES),
        ]
    names = ["audit_entries_update", "audit_entries_delete"]
    names += [f"{t}_{op}" for t in FROZEN_TABLES for op in ("update", "delete")]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names]


MARK_REFUSED = f"{REFUSED}: a retention mark never moves back"


def retention_guard_statements(dialect: str) -> list[str]:
    """The DDL that keeps `audit_retention` honest (migration a006): a tenant's mark and its
    count of pruned entries only grow, and no mark is removed; a mark moved back would turn
    pruned places into missing ones, a mark removed would hide what retention did."""
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION audit_retention_guard() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP = 'DELETE' OR NEW.tenant_id <> OLD.tenant_id "
            "OR NEW.before < OLD.before OR NEW.pruned < OLD.pruned THEN "
            f"  RAISE EXCEPTION '{MARK_REFUSED}' USING ERRCODE = 'integrity_constraint_violation'; "
            "END IF; RETURN NEW; END $$",
            "CREATE TRIGGER audit_retention_guard BEFORE UPDATE OR DELETE ON audit_retention "
            "FOR EACH ROW EXECUTE FUNCTION audit_retention_guard()",
            "CREATE TRIGGER audit_retention_no_truncate BEFORE TRUNCATE ON audit_retention "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_frozen()",
        ]
    return [
        "CREATE TRIGGER audit_retention_update BEFORE UPDATE ON audit_retention "
        "WHEN NEW.tenant_id IS NOT OLD.tenant_id OR NEW.before < OLD.before "
        "OR NEW.pruned < OLD.pruned "
        f"BEGIN SELECT RAISE(ABORT, '{MARK_REFUSED}'); END",
        "CREATE TRIGGER audit_retention_delete BEFORE DELETE ON audit_retention "
        f"BEGIN SELECT RAISE(ABORT, '{MARK_REFUSED}'); END",
    ]


def retention_drop_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [
            "DROP TRIGGER IF EXISTS audit_retention_guard ON audit_retention",
            "DROP TRIGGER IF EXISTS audit_retention_no_truncate ON audit_retention",
            "DROP FUNCTION IF EXISTS audit_retention_guard()",
        ]
    return [
        "DROP TRIGGER IF EXISTS audit_retention_update",
        "DROP TRIGGER IF EXISTS audit_retention_delete",
    ]
