"""Indexes on the Part B lines for the claims snapshot's final-action read
(alignment.services.inputs._nonfinal_part_b_sql): the cancellation lines' control numbers (a small
partial index), and every line by control number with what the cancellation matching reads, so
that the related sets of the cancellations are read from the index alone. PostgreSQL only."""

from django.db import migrations

CANCEL = (
    "CREATE INDEX IF NOT EXISTS alignment_pbline_cancel ON claims_partbphysicianline "
    "(entity_id, clm_cntl_num) WHERE clm_adjsmt_type_cd IN ('1', '01')"
)
CNTL = (
    "CREATE INDEX IF NOT EXISTS alignment_pbline_cntl ON claims_partbphysicianline "
    "(entity_id, clm_cntl_num) INCLUDE (cur_clm_uniq_id, mbi_id, clm_adjsmt_type_cd, "
    "clm_efctv_dt, clm_line_cvrd_pd_amt)"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CANCEL)
        schema_editor.execute(CNTL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS alignment_pbline_cancel")
        schema_editor.execute("DROP INDEX IF EXISTS alignment_pbline_cntl")


class Migration(migrations.Migration):
    dependencies = [
        ("alignment", "0003_claimline_no_fk"),
        ("claims", "0003_claims_without_mbi_indexes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
