"""Importing an officer's file of persons.

Life-cycle of an ImportJob: an officer uploads a file (`import_job_create`); its headers are
read at once. When every column is recognised (by the built-in Vietnamese and English headers
or a saved MappingProfile) the job is QUEUED for the background worker; otherwise it waits in
MAPPING until she says what the unknown columns hold (`import_job_set_mapping`). The worker
runs it (`import_job_run`: RUNNING, then DONE, or FAILED when the file cannot be read). Rows are
validated, stored in batches of BATCH_SIZE (each its own transaction, so a long import never
holds SQLite's write lock for long), and the rows to fix are kept for the reports. When the job
is done the new persons are handed to deduplication, when that app is installed.
"""

import collections
import concurrent.futures
import contextlib
import gc
import importlib
import importlib.util
import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from lotus.accounts.models import User
from lotus.accounts.roles import Capability
from lotus.accounts.selectors import Scope, require_capability
from lotus.geo.selectors import place_address
from lotus.imports.columns import guess_mapping, missing_fields
from lotus.imports.models import ColumnField, ImportJob, MappingProfile
from lotus.imports.readers import (
    CsvBlock,
    CsvReader,
    SourceReader,
    UnreadableFileError,
    open_source,
)
from lotus.imports.storage import BatchStore, PersonWriter
from lotus.imports.validation import RowResult, RowValidator
from lotus.registry.bulk_load import person_indexes_restore, person_indexes_set_aside
from lotus.registry.models import Person

BATCH_SIZE = 10_000
CHUNK_SIZE = 2_000
# SQLite page cache while importing (KiB): Person's indexes stay in memory.
SQLITE_CACHE_KIB = 256 * 1024
SQLITE_BULK_LOAD_CACHE_KIB = 16 * 1024
# Each batch rewrites most index pages of a large Person table; checkpointing the WAL after
# every batch (the default: 1,000 pages) would copy them back to the database every time.
SQLITE_CHECKPOINT_PAGES = 100_000
# A file expected to bring at least this many persons, and more than the registry holds,
# is loaded with Person's look-up indexes built afterwards (lotus.registry.bulk_load).
BULK_LOAD_MIN_ROWS = 100_000
# Below this size a worker pool costs more than it saves.
POOL_MIN_BYTES = 4_000_000
SYSTEM_SCOPE = Scope(
    everything=True, province_id=None, commune_id=None, capabilities=frozenset({Capability.EDIT})
)
SUFFIXES_TO_DROP = (".errors", " - errors", "-errors", " (errors)")

ProgressCallback = Callable[[ImportJob, float], None]


def _scope(actor: User | None) -> Scope:
    """The importer's scope; a command run without a user imports anywhere."""
    if actor is None:
        return SYSTEM_SCOPE
    return require_capability(actor, Capability.EDIT)


def default_source(file_name: str) -> str:
    """The source name of a file: its name without extension or our '.errors' suffix."""
    stem = Path(file_name).stem.strip()
    for suffix in SUFFIXES_TO_DROP:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    return stem[:100] or "import"


def _profile_mapping(profile: MappingProfile | None) -> dict[str, str] | None:
    return dict(profile.mapping) if profile is not None else None


@transaction.atomic
def import_job_create(
    *,
    actor: User | None,
    path: str | os.PathLike | None = None,
    uploaded_file: UploadedFile | None = None,
    original_name: str = "",
    source: str = "",
    source_id_column: str = "",
    mapping_profile: MappingProfile | None = None,
    enqueue: bool = True,
) -> ImportJob:
    """Register a file to import and read its headers; queue it when every column is known.

    Give either an uploaded file (kept in the media storage) or the path of a file on this
    machine (the command line: the file is read where it is).

    Raises:
        PermissionDenied: the actor may not create persons.
        ValidationError: the file cannot be read, or the ID column is not one of its headers.
    """
    scope = _scope(actor)
    job = ImportJob(
        created_by=actor,
        province_id=scope.province_id,
        commune_id=scope.commune_id,
        source_id_column=source_id_column.strip(),
        mapping_profile=mapping_profile,
    )
    if uploaded_file is not None:
        job.original_name = Path(uploaded_file.name).name[:255]
        job.file.save(job.original_name, uploaded_file, save=False)
        path = job.file.path
    elif path is not None:
        job.original_name = original_name or Path(path).name
    else:
        raise ValueError("import_job_create needs a path or an uploaded file")
    job.source = (source.strip() or default_source(job.original_name))[:100]
    try:
        reader = open_source(path, name=job.original_name)
    except UnreadableFileError as exc:
        if uploaded_file is not None:
            job.file.delete(save=False)
        raise ValidationError(
            _("This file cannot be read as CSV, XLSX or JSON: %(reason)s"),
            params={"reason": exc},
            code="unreadable",
        ) from exc
    try:
        job.file_format = reader.format
        job.headers = [str(h) for h in reader.headers]
    finally:
        reader.close()
    if job.source_id_column and job.source_id_column.casefold() not in {
        h.strip().casefold() for h in job.headers
    }:
        raise ValidationError(
            {"source_id_column": _("This file has no column named “%(name)s”.")},
            params={"name": job.source_id_column},
        )
    mapping = guess_mapping(job.headers, saved=_profile_mapping(mapping_profile))
    job.mapping = [m if m is not None else None for m in mapping]
    needs_mapping = any(m is None for m in mapping) or missing_fields(mapping)
    job.status = ImportJob.Status.MAPPING if needs_mapping else ImportJob.Status.QUEUED
    job.save()
    if job.status == ImportJob.Status.QUEUED and enqueue:
        _enqueue(job)
    return job


def _enqueue(job: ImportJob) -> None:
    from lotus.imports.tasks import run_import

    transaction.on_commit(lambda: run_import.enqueue(job.pk))


@transaction.atomic
def import_job_set_mapping(
    *,
    actor: User,
    job: ImportJob,
    mapping: list[str],
    profile_name: str = "",
    enqueue: bool = True,
) -> ImportJob:
    """Set what each column holds (one field per column, "" to ignore) and queue the job.

    With `profile_name`, the mapping is also saved (or updated) under that name.

    Raises:
        PermissionDenied: the actor may not create persons.
        ValidationError: the job is not waiting for a mapping, a field is given to two columns,
            or no column holds a name, a birth date or year, or a place.
    """
    _scope(actor)
    if job.status != ImportJob.Status.MAPPING:
        raise ValidationError(_("This import has already started."), code="started")
    if len(mapping) != len(job.headers):
        raise ValidationError(_("Give one field for each column."), code="length")
    chosen = [m for m in mapping if m]
    if len(chosen) != len(set(chosen)):
        raise ValidationError(_("Each field can be given to one column only."), code="twice")
    missing = missing_fields(mapping)
    if missing:
        raise ValidationError(
            _("No column holds: %(fields)s."),
            params={"fields": ", ".join(str(ColumnField(m).label) for m in missing)},
            code="missing",
        )
    if profile_name.strip():
        job.mapping_profile = mapping_profile_save(
            actor=actor, name=profile_name, headers=job.headers, mapping=mapping
        )
    job.mapping = list(mapping)
    job.status = ImportJob.Status.QUEUED
    job.save(update_fields=["mapping", "mapping_profile", "status"])
    if enqueue:
        _enqueue(job)
    return job


@transaction.atomic
def mapping_profile_save(
    *, actor: User | None, name: str, headers: list[str], mapping: list[str]
) -> MappingProfile:
    """Save the mapping of these headers under `name`, replacing a profile of that name."""
    if actor is not None:
        _scope(actor)
    profile, _created = MappingProfile.objects.update_or_create(
        name=name.strip()[:100],
        defaults={
            "mapping": {h: m for h, m in zip(headers, mapping, strict=True) if h},
            "created_by": actor,
        },
    )
    return profile


# -- running ---------------------------------------------------------------------------------

_pool_validator: RowValidator | None = None


def _validate_chunk(chunk: "list[tuple[int, list]] | CsvBlock") -> list[tuple]:
    """Worker side of the pool: the validator was set before the fork.

    A chunk is rows, or a block of CSV lines the worker parses itself.
    """
    validator = _pool_validator
    rows = chunk.rows() if isinstance(chunk, CsvBlock) else chunk
    return [_to_send(validator.validate(number, cells)) for number, cells in rows]


def _to_send(result: RowResult) -> tuple:
    """A plain tuple, unpickled at a fraction of a named tuple's cost.

    Most rows are stored as read (nothing to report, repair or choose): they travel as
    (row number, row, key) only.
    """
    if (
        result.issues
        or result.row is None
        or result.lotus_id is not None
        or result.candidates
        or result.repaired
        or result.legacy
    ):
        return tuple(result)
    return result.row_number, result.row, result.key


def _received(sent: tuple) -> RowResult:
    if len(sent) == 3:
        return RowResult(sent[0], sent[1], sent[2], None, None, (), [], None, 0, 0)
    return RowResult._make(sent)


@contextlib.contextmanager
def _worker_pool(validator: RowValidator, workers: int):
    """Fork `workers` processes that validate with `validator`; None to validate here."""
    if workers <= 1 or connection.in_atomic_block:
        # Inside a caller's transaction the connection cannot be closed for the fork.
        yield None
        return
    global _pool_validator
    _pool_validator = validator
    # Forked children must not share the parent's database connection.
    connections.close_all()
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield pool
    finally:
        _pool_validator = None


def _chunks(reader: SourceReader, *, pooled: bool) -> Iterator:
    """The file's rows by CHUNK_SIZE: blocks of CSV lines for a worker pool to parse."""
    if pooled and isinstance(reader, CsvReader):
        return reader.blocks(CHUNK_SIZE)
    rows = reader.rows()
    return iter(lambda: list(itertools.islice(rows, CHUNK_SIZE)), [])


def _validated(
    validator: RowValidator, chunks: Iterator, pool, workers: int
) -> Iterator[list[RowResult]]:
    """Outcomes of `chunks` one by one, in order; by the worker `pool` when there is one.

    At most a batch and a few chunks wait at any time, so the file is still read as a stream,
    and the workers go on validating the next batch while this process stores one.
    """
    if pool is None:
        for chunk in chunks:
            yield [validator.validate(number, cells) for number, cells in chunk]
        return
    pending: collections.deque = collections.deque()
    for chunk in chunks:
        pending.append(pool.apply_async(_validate_chunk, (chunk,)))
        if len(pending) > 2 * workers + BATCH_SIZE // CHUNK_SIZE:
            yield list(map(_received, pending.popleft().get()))
    while pending:
        yield list(map(_received, pending.popleft().get()))


def _link_new_persons(person_ids: Sequence[int], actor: User | None) -> None:
    """Hand the new persons to deduplication (lotus.linkage), when that app is installed."""
    if not person_ids or importlib.util.find_spec("lotus.linkage") is None:
        return
    if importlib.util.find_spec("lotus.linkage.services") is None:
        return
    linkage = importlib.import_module("lotus.linkage.services")
    linkage.link_new_persons(person_ids=person_ids, actor=actor)


def import_job_run(
    *,
    job: ImportJob,
    path: str | os.PathLike | None = None,
    workers: int | None = None,
    on_progress: ProgressCallback | None = None,
    link: bool = True,
) -> ImportJob:
    """Read, validate and store every row of the job's file; DONE once the file has been read.

    With `link`, the new persons are then handed to deduplication (when installed).

    Not atomic on purpose: each batch of BATCH_SIZE rows commits on its own. A file that
    cannot be read marks the job FAILED with the reason; any other error marks it FAILED too
    and is raised.

    Raises:
        PermissionDenied: the officer who created the job may no longer create persons.
    """
    if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        raise ValidationError(_("This import is not queued."), code="not_queued")
    actor = job.created_by
    scope = _scope(actor)
    path = path or job.file.path
    person_indexes_restore()  # after a bulk load whose process was killed
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    job.status = ImportJob.Status.RUNNING
    finished = False
    new_ids: Sequence[int] = ()
    try:
        with _bulk_mode():
            new_ids = _run(job, path, scope, workers, on_progress)
        finished = True
    finally:
        if not finished:
            with translation.override(settings.LANGUAGE_CODE):
                _fail(job, str(_("The import stopped before the end of the file.")))
    if link:
        _link_new_persons(new_ids, actor)
    return job


@contextlib.contextmanager
def _bulk_mode():
    """Hold the garbage collector back while importing, and let it go afterwards.

    It would otherwise walk every live row again and again: a third of the time went there.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
        _sqlite_tuning_undo()


_TUNED_PRAGMAS = ("cache_size", "wal_autocheckpoint")
_sqlite_tuned: dict[str, object] = {}


def _sqlite_tune(*, bulk_load: bool) -> None:
    """Raise SQLite's page cache and checkpoint interval on the connection storing the rows.

    Person's indexes thrash the default 2 MB cache, and each batch rewrites most of
    their pages, which the default WAL checkpoint (every 1,000 pages) would copy back to the
    database after every batch. A bulk load, its indexes set aside, only appends: a smaller
    cache serves it, and the import's memory stays lower. Pragmas belong to a connection, and
    the worker pool's fork closes connections, so this runs before each batch and acts once
    per connection.
    """
    if connection.vendor != "sqlite":
        return
    connection.ensure_connection()
    if _sqlite_tuned.get("connection") is connection.connection:
        return
    cache_kib = SQLITE_BULK_LOAD_CACHE_KIB if bulk_load else SQLITE_CACHE_KIB
    values = {"cache_size": -cache_kib, "wal_autocheckpoint": SQLITE_CHECKPOINT_PAGES}
    with connection.cursor() as cursor:
        for name, value in values.items():
            _sqlite_tuned[name] = cursor.execute(f"PRAGMA {name}").fetchone()[0]
            cursor.execute(f"PRAGMA {name} = {int(value)}")
    _sqlite_tuned["connection"] = connection.connection


def _sqlite_tuning_undo() -> None:
    """Put the connection's pragmas back and checkpoint the WAL the import grew."""
    tuned_connection = _sqlite_tuned.pop("connection", None)
    if tuned_connection is None or tuned_connection is not connection.connection:
        _sqlite_tuned.clear()
        return
    with connection.cursor() as cursor:
        for name in _TUNED_PRAGMAS:
            cursor.execute(f"PRAGMA {name} = {int(_sqlite_tuned.pop(name))}")
        if not connection.in_atomic_block:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def _run(job, path, scope, workers, on_progress) -> Sequence[int]:
    """Validate and store the rows of the file at `path`; the ids of the new persons."""
    writer = PersonWriter(source=job.source)
    validator = RowValidator(
        headers=job.headers,
        mapping=job.mapping,
        scope=scope,
        source_id_column=job.source_id_column,
        build_row=writer.row,
    )
    if workers is None:
        large = os.path.getsize(path) >= POOL_MIN_BYTES
        workers = settings.LOTUS_IMPORT_WORKERS if large else 0
    # Build the geography index before any fork, so workers share it and need no database.
    place_address("")
    store = BatchStore(job=job, scope=scope, writer=writer, actor=job.created_by)
    # The workers are forked before the file is opened: calamine holds a whole XLSX sheet in
    # memory, which they need not inherit.
    with _worker_pool(validator, workers) as pool:
        try:
            reader = open_source(path, name=job.original_name)
        except UnreadableFileError as exc:
            _fail(job, str(exc))
            return ()
        try:
            if [str(h) for h in reader.headers] != job.headers:
                with translation.override(settings.LANGUAGE_CODE):
                    _fail(job, str(_("The columns of the file changed since it was uploaded.")))
                return ()
            # Left in this order, the indexes are built after the writer's last batch.
            with (
                contextlib.ExitStack() as indexes,
                _batch_writer(threaded=pool is not None) as write,
            ):
                batch: list[RowResult] = []
                first = True
                chunks = _Counted(_chunks(reader, pooled=pool is not None))
                for outcomes in _validated(validator, chunks, pool, workers):
                    batch.extend(outcomes)
                    if len(batch) >= BATCH_SIZE:
                        if first and pool is not None and _is_bulk_load(reader, chunks.count):
                            indexes.enter_context(person_indexes_set_aside())
                            store.hold_keys_in_memory()
                        first = False
                        write(_batch_save(store, batch, reader, job, on_progress))
                        batch = []
                write(_batch_save(store, batch, reader, job, on_progress))
            encoding = reader.encoding_label
        finally:
            reader.close()
    job.refresh_from_db()
    job.status = ImportJob.Status.DONE
    job.finished_at = timezone.now()
    job.progress = 1000
    job.encoding = encoding
    job.save(update_fields=["status", "finished_at", "progress", "encoding"])
    if on_progress is not None:
        on_progress(job, 1.0)
    return store.new_ids


class _Counted:
    """Hands out the chunks of an iterable and counts the rows (or lines) they hold."""

    def __init__(self, chunks: Iterable) -> None:
        self._chunks = iter(chunks)
        self.count = 0

    def __iter__(self) -> "_Counted":
        return self

    def __next__(self):
        chunk = next(self._chunks)
        self.count += len(chunk)
        return chunk


def _is_bulk_load(reader, rows_read: int) -> bool:
    """Whether the file, judged by what was read of it, brings more persons than the table holds.

    `rows_read` is what the reader has handed out so far: it reads ahead of the batch stored.
    """
    expected = rows_read / max(reader.done_fraction, 1e-9)
    return expected >= BULK_LOAD_MIN_ROWS and expected >= Person.all_objects.count()


def _batch_save(store: BatchStore, batch, reader, job, on_progress) -> Callable[[], None]:
    """The storing of `batch`, with the reader's progress as it is now, to run later."""
    done = reader.done_fraction
    reader_legacy = reader.legacy_cells

    def save() -> None:
        # Keys held in memory: the bulk load has set Person's indexes aside.
        _sqlite_tune(bulk_load=store.keys_in_memory is not None)
        store.save(batch, progress=min(int(done * 1000), 999), reader_legacy=reader_legacy)
        if on_progress is not None:
            for name, value in store.counts.items():
                setattr(job, name, value)
            job.legacy_cells = store.counts["legacy_cells"] + reader_legacy
            on_progress(job, done)

    return save


@contextlib.contextmanager
def _batch_writer(*, threaded: bool):
    """Yield `write(save)`, which stores one batch, here or on a writer thread.

    With `threaded`, a batch is stored on the thread while this one reads, hands out and
    collects the next: SQLite inserts in C without holding the GIL, so the two overlap. One
    batch at most waits for the thread, so memory stays flat and the rows keep their order.
    The thread has its own database connection, closed at the end.
    """
    if not threaded:
        yield lambda save: save()
        return
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="import-writer") as writer:
        pending: list[concurrent.futures.Future] = []

        def write(save: Callable[[], None]) -> None:
            if pending:
                pending.pop().result()
            pending.append(writer.submit(save))

        try:
            yield write
            if pending:
                pending.pop().result()
        finally:
            for future in pending:
                future.exception()  # waits; the error on its way out is the one to report
            writer.submit(_close_writer_connection).result()


def _close_writer_connection() -> None:
    _sqlite_tuning_undo()
    connection.close()


def _fail(job: ImportJob, reason: str) -> None:
    job.status = ImportJob.Status.FAILED
    job.error = reason
    job.finished_at = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=job.status, error=reason, finished_at=job.finished_at
    )


def check_can_import(actor: User) -> None:
    """Raise PermissionDenied unless the actor may create persons."""
    if actor is None:
        raise PermissionDenied
    _scope(actor)
