"""Background work of the imports, run by `manage.py db_worker`."""

from django_tasks import task

from lotus.imports.models import ImportJob
from lotus.imports.services import import_job_run


@task()
def run_import(job_id: int) -> None:
    """Run one queued import job to its end."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    import_job_run(job=job)
