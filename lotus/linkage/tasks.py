"""Background jobs: the import enqueues `link_new_persons_task` after storing a file."""

from django_tasks import task

from lotus.linkage import services


@task()
def link_new_persons_task(person_ids: list[int]) -> int:
    """Check an import's new persons against the registry; returns pairs queued."""
    return len(services.link_new_persons(person_ids=person_ids))


@task()
def find_duplicates_task() -> int:
    """Link the whole registry and refresh the review queue; returns pairs found."""
    return len(services.duplicates_find().predictions)
