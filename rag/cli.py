"""The `rag` command: argument parsing, progress and output; core errors become exit codes here."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from contextlib import closing
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from embeddings import ModelError, load_embedder

from . import exports
from .collections import DEFAULT, collection_dir
from .errors import InvalidInput, RagError
from .evaluation import EvalSet, GoldQuestion, evaluate, index_eval_set, load_gold, select
from .ingest import outside_links, read_file, walk, with_media
from .library import Library
from .model import Answer, Passage
from .retriever import MODES, Mode
from .settings import Settings
from .transcripts import FORMATS

__all__ = ["app", "main"]

app = typer.Typer(
    help="Ask questions of interview transcripts; answers are verbatim quotes with citations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
LIBRARY_FILE = "library.sqlite3"  # what Library.open creates in the data directory

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory [default: $RAG_DATA_DIR, else ./rag-data]"),
]
CollectionName = Annotated[
    str | None,
    typer.Option("--collection", help="Use the collection ROOT/NAME instead of --data-dir."),
]
Root = Annotated[Path | None, typer.Option("--root", help="The folder of collections [default: $RAG_ROOT].")]
Model = Annotated[
    str | None, typer.Option("--model", help="Model folder [default: $RAG_MODEL, else the bundled model]")
]


DateFrom = Annotated[
    str | None, typer.Option("--date-from", help="Only documents dated on or after YYYY-MM-DD.")
]
DateTo = Annotated[
    str | None, typer.Option("--date-to", help="Only documents dated on or before YYYY-MM-DD.")
]
Kinds = Annotated[
    list[str] | None, typer.Option("--kind", help="Only these kinds (interview, briefing, hearing, …).")
]
Tags = Annotated[list[str] | None, typer.Option("--tag", help="Only documents with any of these tags.")]

Backend = Annotated[
    str | None,
    typer.Option("--backend", help="onnx, onnx-int8 or torch [default: $RAG_BACKEND, else onnx]"),
]


def _settings(
    data_dir: Path | None,
    model: str | None = None,
    backend: str | None = None,
    *,
    collection: str | None = None,
    root: Path | None = None,
) -> Settings:
    overrides: dict[str, Any] = {}  # the flags given; pydantic validates each as the environment's
    if root is not None:
        overrides["root"] = root
    if collection is not None:
        if data_dir is not None:
            raise InvalidInput("give --data-dir or --collection, not both")
        data_dir = collection_dir(root or _settings(None).root, collection)
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if model is not None:
        overrides["model"] = model
    if backend is not None:
        overrides["backend"] = backend
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    except SettingsError as exc:  # an environment value that does not parse
        raise InvalidInput(str(exc)) from None


def _open(
    settings: Settings,
    *,
    with_model: bool,
    allow_model_change: bool = False,
    rerank: bool = False,
    create: bool = False,
) -> Library:
    """`rerank`: a command that asks, so it loads the configured re-ranker and the question
    encoder (a command that only indexes needs neither). Without `create`, the library must
    exist: a mistyped --data-dir is an error, not a new empty one."""
    if not create and not (settings.data_dir / LIBRARY_FILE).is_file():
        raise RagError(
            f"no library at {settings.data_dir}: check --data-dir (or $RAG_DATA_DIR), "
            "or create one with `rag index PATH`"
        )
    options = settings.embedder_options(questions=rerank)
    embedder = load_embedder(settings.model, **options) if with_model else None
    return Library.open(
        settings.data_dir,
        embedder=embedder,
        allow_model_change=allow_model_change,
        **settings.library_options(rerank=rerank),
    )


@app.command()
def index(
    path: Annotated[Path, typer.Argument(help="A transcript file or a folder of them.")],
    data_dir: DataDir = None,
    collection: CollectionName = None,
    root: Root = None,
    model: Model = None,
    backend: Backend = None,
    format: Annotated[str | None, typer.Option(help=f"Skip detection: one of {', '.join(FORMATS)}.")] = None,
    follow_links: Annotated[
        bool, typer.Option("--follow-links", help="Also index links that lead out of the folder.")
    ] = False,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            metavar="[ADDRESS]",
            help="Parse and embed on a Ray cluster (HOST:PORT); --ray alone starts a local Ray runtime.",
        ),
    ] = None,
    media_url: Annotated[
        str | None,
        typer.Option("--media-url", help="The recording of this file (an http(s) URL or a /path)."),
    ] = None,
) -> None:
    """Index a file or folder. Unchanged files are skipped, changed ones replaced."""
    settings = _settings(data_dir, model, backend, collection=collection, root=root)
    if not path.exists():  # before the model loads, so a typo fails at once
        raise RagError(f"{path} does not exist")
    if ray is not None and media_url is not None:
        raise InvalidInput("--media-url names one recording and --ray indexes on a cluster: give one")
    if ray is not None:
        _index_on_ray(settings, path, None if ray == _LOCAL else ray, format)
        return
    if media_url is not None:
        if not path.is_file():
            raise InvalidInput("--media-url names one recording: give a single file, not a folder")
        source = with_media(
            read_file(path, id=path.name, format=format, max_bytes=settings.max_document_bytes), media_url
        )
        with _open(settings, with_model=True, create=True) as lib:
            result = lib.add_source(source, format=format)
        err.print(f"{escape(result.id)}: {result.status} ({result.chunks} chunks)")
        if result.replaced_from:
            _warn_replaced(result.id, result.replaced_from)
        return
    with (
        _open(settings, with_model=True, create=True) as lib,
        Progress(
            TextColumn("[bold]indexing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeRemainingColumn(),
            console=err,
            disable=not err.is_terminal,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task("", total=None)

        def step(done: int, total: int, doc_id: str, status: str) -> None:
            bar.update(task, completed=done, total=total, description=escape(doc_id))
            if status.startswith("failed"):
                err.print(f"[red]{escape(doc_id)}: {escape(status)}")

        report = lib.index_folder(path, format=format, progress=step)  # links out are left out
        skipped = list(outside_links(path)) if path.is_dir() else []
        if follow_links and skipped:
            inside = {doc_id for doc_id, _ in walk(path)}
            extra = [(i, p) for i, p in walk(path, follow_links=True) if i not in inside]
            with lib.batch():
                for done, (doc_id, file) in enumerate(extra, 1):
                    try:
                        source = read_file(
                            file, id=doc_id, format=format, max_bytes=settings.max_document_bytes
                        )
                        result = lib.add_source(source, format=format)
                    except InvalidInput as exc:
                        report.failed[doc_id] = str(exc)  # type: ignore[index]
                        step(done, len(extra), doc_id, f"failed: {exc}")
                    else:
                        report.count(result)
            skipped = []
    for doc_id, reason in skipped:
        err.print(f"[yellow]{escape(doc_id)}: {escape(reason)}")
    for doc_id, previous in report.replaced_from.items():
        _warn_replaced(doc_id, previous)
    failed = report.failed or {}
    err.print(
        f"{report.added} added, {report.replaced} replaced, {report.unchanged} unchanged, "
        f"{len(failed)} failed" + (f", {len(skipped)} skipped" if skipped else "")
    )
    if failed:
        raise typer.Exit(1)


_LOCAL = "local"
"""What `--ray` with no address means (see `main`)."""


def _warn_replaced(doc_id: str, previous: str) -> None:
    """A file replaced another file's document: ids are paths inside the folder indexed, so
    `notes.txt` of a second folder is the first folder's `notes.txt` too (and so is the file a
    link now leads to)."""
    err.print(
        f"[yellow]{escape(doc_id)}: replaced the document read from {escape(previous)} "
        "(ids are paths inside the folder indexed, so another folder's file of that name takes it)"
    )


def _index_on_ray(settings: Settings, path: Path, address: str | None, format: str | None) -> None:
    """The run is a job in the data directory's job store too: a server over it reports it."""
    from .distributed import EmbedderSpec, RayOptions, index_on_ray
    from .jobstore import JobStore

    spec = EmbedderSpec(settings.model, settings.embedder_options(questions=False))
    with (
        _open(settings, with_model=True, create=True) as lib,
        closing(JobStore(settings.data_dir)) as jobs,
        Progress(
            TextColumn("[bold]indexing on Ray"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TextColumn("{task.description}"),
            TimeRemainingColumn(),
            console=err,
            disable=not err.is_terminal,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task("", total=None, rate="")
        job = jobs.run_here("index-ray", {"path": str(path.resolve()), "address": address})
        err.print(f"job {job.id} (GET /jobs/{job.id} on a server over this data directory)")
        progress, speed = jobs.progress(job.id), ""

        def step(done: int, total: int, doc_id: str, status: str) -> None:
            bar.update(task, completed=done, total=total, description=escape(doc_id))
            progress("indexing", done, total, f"{doc_id}: {status}" + (f" ({speed})" if speed else ""))
            if status.startswith("failed"):
                err.print(f"[red]{escape(doc_id)}: {escape(status)}")

        def rate(chunks: int, seconds: float) -> None:
            nonlocal speed
            speed = f"{chunks / max(seconds, 1e-9):,.0f} chunks/s" if chunks else ""
            bar.update(task, rate=speed)

        try:
            report = index_on_ray(
                lib, path, spec, RayOptions(address=address), format=format, progress=step, chunks_done=rate
            )
        except RagError as exc:
            jobs.finish(job.id, error={"error": type(exc).__name__, "detail": str(exc)})
            raise
        jobs.finish(job.id, result={**asdict(report), "generation": lib.generation})
    for doc_id, previous in report.replaced_from.items():
        _warn_replaced(doc_id, previous)
    failed = report.failed or {}
    err.print(
        f"{report.added} added, {report.replaced} replaced, {report.unchanged} unchanged, "
        f"{len(failed)} failed"
    )
    if failed:
        raise typer.Exit(1)


def _optional_ray_address(argv: list[str]) -> list[str]:
    """`--ray` takes an optional value, which click options cannot: alone (last, or before
    another option) it means a local Ray runtime."""
    out = []
    for i, arg in enumerate(argv):
        out.append(arg)
        if arg == "--ray" and (i + 1 == len(argv) or argv[i + 1].startswith("-")):
            out.append(_LOCAL)
    return out


def _render(p: Passage, rank: int) -> None:
    who = f" — {escape(p.speaker)}" if p.speaker else ""
    who += f" at {p.timestamp}" if p.timestamp else ""
    out.print(
        f"[bold]{rank}.[/bold] {escape(p.document_title)} [dim]({escape(p.document_id)} "
        f"{p.start}–{p.end}, score {p.score:.3f}){who}[/dim]"
    )
    for q in p.thread:
        asker = f"{escape(q.speaker)}: " if q.speaker else ""
        out.print(f"   [cyan]Q[/cyan] {asker}[italic]{escape(' '.join(q.text.split()))}[/italic]")
    out.print(f"   “{escape(p.quote)}”\n")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A natural-language question.")],
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=100, help="How many passages.")] = 5,
    document: Annotated[
        list[str] | None, typer.Option("--document", "-d", help="Only search these document ids.")
    ] = None,
    speaker: Annotated[
        list[str] | None, typer.Option("--speaker", "-s", help="Only passages spoken by these speakers.")
    ] = None,
    mode: Annotated[str | None, typer.Option(help=f"One of {', '.join(MODES)} [default: hybrid].")] = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    kind: Kinds = None,
    tag: Tags = None,
    group_by: Annotated[
        str | None, typer.Option("--group-by", help="document: passages per document, in date order.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (the same as --format json).")] = False,
    format: Annotated[
        str | None,
        typer.Option("--format", "-f", help=f"Print the answer as {', '.join(exports.FORMATS)}."),
    ] = None,
    data_dir: DataDir = None,
    collection: CollectionName = None,
    root: Root = None,
    model: Model = None,
    backend: Backend = None,
) -> None:
    """Ask a question; print the best passages with the questions they answered."""
    if format is not None and format not in exports.FORMATS:  # before the model loads
        raise InvalidInput(f"unknown --format {format!r}; one of {', '.join(exports.FORMATS)}")
    with _open(
        _settings(data_dir, model, backend, collection=collection, root=root),
        with_model=mode != "bm25",
        rerank=True,
    ) as lib:
        chosen = cast(Mode | None, mode)  # Library.ask refuses a mode it does not know
        answer = lib.ask(
            question,
            k=k,
            documents=document or None,
            speakers=speaker or None,
            mode=chosen,
            date_from=date_from,
            date_to=date_to,
            kinds=kind or None,
            tags=tag or None,
            group_by=group_by,
        )
    if as_json or format is not None:  # json: the shape of HTTP's /ask
        typer.echo(exports.render(answer, format or "json"), nl=False)
        return
    if group_by:
        for group in answer.groups:
            out.print(f"[bold]{group.document_date or 'undated'}[/bold]  {escape(group.document_title)}")
            for rank, p in enumerate(group.passages, 1):
                _render(p, rank)
        return
    if not answer.passages:
        out.print("No passages found: the library is empty or nothing matches.")
    elif not answer.answerable:
        out.print("[yellow]Nothing here answers that well. The nearest passages:[/yellow]\n")
    for rank, p in enumerate(answer, 1):
        _render(p, rank)


@app.command()
def documents(
    document_id: Annotated[str | None, typer.Argument(help="With --set: the document to change.")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", metavar="KEY=VALUE", help="Set metadata (date, kind, tags, source_url …)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDir = None,
    collection: CollectionName = None,
    root: Root = None,
) -> None:
    """List indexed documents, or change one's metadata (`--set date=2023-06-05 ID`)."""
    if set_:
        if document_id is None:
            raise InvalidInput("--set needs the id of the document to change")
        changes: dict[str, str | list[str] | None] = {}
        for item in set_:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise InvalidInput(f"--set {item!r}: expected KEY=VALUE (an empty VALUE removes the key)")
            changes[key.strip()] = value.strip() or None
        with _open(_settings(data_dir, collection=collection, root=root), with_model=False) as lib:
            metadata = lib.set_metadata(document_id, changes)
        typer.echo(json.dumps(metadata, ensure_ascii=False, indent=2))
        return
    if document_id is not None:
        raise InvalidInput("a document id is only taken with --set KEY=VALUE")
    with _open(_settings(data_dir, collection=collection, root=root), with_model=False) as lib:
        infos = lib.documents()
    if as_json:
        typer.echo(json.dumps([asdict(i) for i in infos], ensure_ascii=False, indent=2))
        return
    if not infos:
        out.print("No documents. Add some with `rag index PATH`.")
    for i in infos:
        typer.echo(
            f"{i.id}\t{i.format}\t{i.turn_count} turns\t{i.chunk_count} chunks\t{i.date or '-'}\t"
            f"{i.kind or '-'}\t{i.title}"
        )


speakers_app = typer.Typer(help="People who speak in the library, and their aliases.", no_args_is_help=False)
app.add_typer(speakers_app, name="speakers")


@speakers_app.callback(invoke_without_command=True)
def speakers(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDir = None,
    collection: CollectionName = None,
    root: Root = None,
) -> None:
    """List everyone who speaks: name, labels, documents, turns, parts."""
    if ctx.invoked_subcommand is not None:
        return
    with _open(_settings(data_dir, collection=collection, root=root), with_model=False) as lib:
        people = lib.speakers()
    if as_json:  # the shape of HTTP's /speakers
        typer.echo(json.dumps({"speakers": [asdict(p) for p in people]}, ensure_ascii=False, indent=2))
        return
    if not people:
        out.print("No speakers yet. Add transcripts with `rag index PATH`.")
    for p in people:
        aliases = ", ".join(p.aliases)
        typer.echo(f"{p.name}\t{p.documents} documents\t{p.turns} turns\t{', '.join(p.roles)}\t{aliases}")


@speakers_app.command("alias")
def speakers_alias(
    label: Annotated[str, typer.Argument(help="A speaker label as written (`MR. OKAFOR`) or a name.")],
    name: Annotated[str, typer.Argument(help="The person it names (`Ada Okafor`).")],
    document: Annotated[
        str | None, typer.Option("--document", "-d", help="Only in this document [default: in all].")
    ] = None,
    data_dir: DataDir = None,
    collection: CollectionName = None,
    root: Root = None,
) -> None:
    """Say that LABEL names NAME, in one document or in all (also those added later)."""
    with _open(_settings(data_dir, collection=collection, root=root), with_model=False) as lib:
        n = lib.alias(label, name, document=document)
    err.print(f"{escape(label)} names {escape(name)}: {n} label{'s' if n != 1 else ''} linked")


@app.command()
def questions(
    text: Annotated[
        str | None, typer.Argument(help="Find questions like this [default: list by date].")
    ] = None,
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=100, help="How many questions.")] = 10,
    speaker: Annotated[
        list[str] | None, typer.Option("--speaker", "-s", help="Asked by this person or label.")
    ] = None,
    document: Annotated[
        list[str] | None, typer.Option("--document", "-d", help="In these documents.")
    ] = None,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    kind: Kinds = None,
    tag: Tags = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    data_dir: DataDir = None,
    collection: CollectionName = None,
    root: Root = None,
    model: Model = None,
    backend: Backend = None,
) -> None:
    """Search the questions that were asked: who asked, where, when, and how the answer began."""
    with _open(
        _settings(data_dir, model, backend, collection=collection, root=root), with_model=bool(text)
    ) as lib:
        found = lib.questions(
            text,
            k,
            documents=document or None,
            speakers=speaker or None,
            date_from=date_from,
            date_to=date_to,
            kinds=kind or None,
            tags=tag or None,
        )
    if as_json:  # the shape of HTTP's /questions
        typer.echo(json.dumps({"questions": [asdict(q) for q in found]}, ensure_ascii=False, indent=2))
        return
    if not found:
        out.print("No questions found.")
    for rank, q in enumerate(found, 1):
        who = escape(q.person or q.speaker or "unknown")
        out.print(
            f"[bold]{rank}.[/bold] {who} [dim]{q.date or 'undated'} {escape(q.document_id)} "
            f"{q.start}–{q.end}[/dim]"
        )
        out.print(f"   [cyan]Q[/cyan] [italic]{escape(' '.join(q.text.split()))}[/italic]")
        if q.answer is not None:
            answerer = escape(q.answer.person or q.answer.speaker or "")
            out.print(f"   [green]A[/green] {answerer}: “{escape(' '.join(q.answer.quote.split()))}”")
        out.print("")


@app.command()
def remove(
    document_id: Annotated[str, typer.Argument(help="The id shown by `rag documents`.")],
    data_dir: DataDir = None,
    collection: CollectionName = None,
    root: Root = None,
) -> None:
    """Remove a document from the index."""
    with _open(_settings(data_dir, collection=collection, root=root), with_model=False) as lib:
        lib.remove(document_id)
    err.print(f"removed {escape(document_id)}")


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 2**10:.0f} KB"


@app.command()
def compact(
    data_dir: DataDir = None,
    collection: CollectionName = None,
    root: Root = None,
    keep_cache: Annotated[
        bool, typer.Option("--keep-cache", help="Keep the embeddings of texts no longer indexed.")
    ] = False,
) -> None:
    """Give back the disk space that removed and replaced documents left behind."""
    with (
        _open(_settings(data_dir, collection=collection, root=root), with_model=False) as lib,
        Progress(console=err, disable=not err.is_terminal, transient=True) as bar,
    ):
        # a spinner: SQLite rewrites the file in one step, with nothing to count
        bar.add_task("compacting", total=None)
        done = lib.compact(prune_cache=not keep_cache)
    dropped = (
        "" if keep_cache else f"; {done.cache_dropped:,} cached embeddings of texts no longer indexed dropped"
    )
    err.print(f"compacted: {_size(done.bytes_before)} → {_size(done.bytes_after)}{dropped}")
    if not done.folded:
        err.print(
            "readers held the log: the file shrinks at the next checkpoint, and its log "
            "(library.sqlite3-wal) at the next compact or when the last process using the library closes it"
        )


@app.command()
def reindex(
    data_dir: DataDir = None,
    collection: CollectionName = None,
    root: Root = None,
    model: Model = None,
    backend: Backend = None,
) -> None:
    """Re-embed every chunk with the configured model (after changing models)."""
    settings = _settings(data_dir, model, backend, collection=collection, root=root)
    with (
        _open(settings, with_model=True, allow_model_change=True) as lib,
        Progress(console=err, disable=not err.is_terminal, transient=True) as bar,
    ):
        task = bar.add_task("re-embedding", total=None)
        n = lib.reindex(progress=lambda done, total: bar.update(task, completed=done, total=total))
    err.print(f"re-embedded {n} chunks")


def _fold(text: str) -> tuple[int, int]:
    """`2/5` -> (2, 5)."""
    k, _, n = text.partition("/")
    if not (k.isdigit() and n.isdigit()) or not 1 <= int(k) <= int(n):
        raise InvalidInput(f"--split-fold {text!r}: expected K/N with 1 <= K <= N, such as 2/5")
    return int(k), int(n)


@app.command(name="eval")
def eval_(
    gold: Annotated[
        list[Path],
        typer.Argument(
            help="Gold files (.jsonl or .jsonl.gz): seed_dev-style, QMSum, MeetingQA or FriendsQA; "
            "or SQuAD JSON (.json)."
        ),
    ],
    document: Annotated[
        Path | None,
        typer.Option(help="The document line-numbered gold refers to [default: ../corpus/seed/*.txt]."),
    ] = None,
    mode: Annotated[list[str] | None, typer.Option(help="Modes to compare [default: all three].")] = None,
    k: Annotated[int, typer.Option("-k", "--k", min=1, max=100)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="One line per question.")] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="Keep the evaluation index here [default: a temporary folder]."),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(min=1, help="Per gold file, this many questions drawn by a shuffle seeded with --seed."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the --limit shuffle.")] = 0,
    split_fold: Annotated[
        str | None,
        typer.Option(
            "--split-fold",
            metavar="K/N",
            help="Only the documents of fold K of N (a hash of the document id) and their questions.",
        ),
    ] = None,
    other_folds: Annotated[
        bool, typer.Option("--other-folds", help="With --split-fold: every fold but K (the training side).")
    ] = False,
    model: Model = None,
    backend: Backend = None,
) -> None:
    """Index the gold documents and measure hit@1, hit@k, MRR and citations, mode by mode."""
    modes = mode or list(MODES)
    for m in modes:
        if m not in MODES:
            raise RagError(f"unknown mode {m!r}; choose from {', '.join(MODES)}")
    fold = _fold(split_fold) if split_fold else None
    if other_folds and fold is None:
        raise InvalidInput("--other-folds needs --split-fold K/N")
    sets = [
        select(load_gold(path, document=document), limit=limit, seed=seed, fold=fold, other_folds=other_folds)
        for path in gold
    ]
    documents = {s.document.id: s for e in sets for s in e.documents}
    questions = [q for e in sets for q in e.questions]
    settings = _settings(None, model, backend)
    with tempfile.TemporaryDirectory(prefix="rag-eval-") as tmp:
        folder = data_dir or Path(tmp)
        options = settings.embedder_options()
        options["cache_dir"] = settings.model_cache or folder / "models"  # the eval's folder, not DATA_DIR's
        embedder = load_embedder(settings.model, **options)
        with Library.open(folder, embedder=embedder, **settings.library_options()) as lib:
            err.print(f"indexing {len(documents)} documents for {len(questions)} questions ...")
            index_eval_set(lib, EvalSet(list(documents.values()), questions))

            def show(q: GoldQuestion, answer: Answer, rank: int | None) -> None:
                if verbose:
                    err.print(f"  {q.id}: rank {'-' if rank is None else rank + 1}  {escape(q.question)}")

            results = [evaluate(lib, questions, k=k, mode=cast(Mode, m), on_answer=show) for m in modes]
    if as_json:
        typer.echo(json.dumps([asdict(r) for r in results], indent=2))
        return
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    selfs = any(r.self_rate is not None for r in results)  # a column only where the gold has one
    out.print(
        f"{'mode':8} {'hit@1':>6} {'hit@' + str(k):>6} {'MRR':>6} {'cite':>6} "
        + (f"{'self':>6} " if selfs else "")
        + f"{'FRR':>6} {'FAR':>6} {'chars':>6} {'p50ms':>6} {'p99ms':>6} {'bad quotes':>10}"
    )
    for r in results:
        out.print(
            f"{r.mode:8} {r.hit_at_1:6.3f} {r.hit_at_k:6.3f} {r.mrr:6.3f} {fmt(r.citation_accuracy):>6} "
            + (f"{fmt(r.self_rate):>6} " if selfs else "")
            + f"{fmt(r.false_reject_rate):>6} {fmt(r.false_accept_rate):>6} {r.mean_passage_chars:6.0f} "
            f"{r.latency_ms_p50:6.1f} {r.latency_ms_p99:6.1f} {r.quote_mismatches:10d}"
        )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address [default: 127.0.0.1].")] = None,
    port: Annotated[
        int | None, typer.Option(min=0, max=65535, help="Port, 0 for any free one [default: 8000].")
    ] = None,
    data_dir: DataDir = None,
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            help="Serve each library under DIR as /collections/NAME/; the default one is "
            "--data-dir, else DIR/default [default: $RAG_ROOT].",
        ),
    ] = None,
    model: Model = None,
    backend: Backend = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1, max=64, help="Server processes over the one data directory (one writer at a time)."
        ),
    ] = 1,
) -> None:
    """Serve the HTTP API."""
    import uvicorn

    from api import logs
    from api.app import create_app

    settings = _settings(data_dir, model, backend, root=root)
    if settings.root is not None and data_dir is None and "RAG_DATA_DIR" not in os.environ:
        settings = settings.model_copy(update={"data_dir": settings.root / DEFAULT})
    settings = settings.model_copy(  # port 0 is a port (any free one), not "unset"
        update={"host": host or settings.host, "port": settings.port if port is None else port}
    )
    logs.configure()
    if workers == 1:
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_config=None)
        return
    # the ONNX export (first start only) once here, not raced by every process
    load_embedder(settings.model, **settings.embedder_options())
    # each process builds its own app from the environment: hand it the flags' values there
    os.environ.update(RAG_DATA_DIR=str(settings.data_dir), RAG_BACKEND=settings.backend)
    if settings.root is not None:
        os.environ["RAG_ROOT"] = str(settings.root)
    if settings.model is not None:
        os.environ["RAG_MODEL"] = settings.model
    uvicorn.run(
        "api.app:create_app_from_environment",
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_config=None,
        timeout_worker_healthcheck=120,  # a process loading the model on a busy machine is not dead
    )


@app.command()
def mcp(data_dir: DataDir = None, model: Model = None, backend: Backend = None) -> None:
    """Serve the library to an MCP host (an agent, a desktop assistant) over stdio."""
    try:
        from api import mcpserver
    except ImportError as exc:
        raise RagError(
            f"the MCP server needs the mcp extra: pip install 'interview-rag[mcp]' ({exc})"
        ) from None

    settings = _settings(data_dir, model, backend)
    with _open(settings, with_model=True, rerank=True) as lib:
        mcpserver.build(lambda: lib, settings).run("stdio")


def main(argv: list[str] | None = None) -> None:
    """Entry point: the one place core errors turn into messages and exit codes.

    Usage errors are click's (exit 2); errors from the core exit 1 with one line, no traceback.
    """
    try:
        app(args=_optional_ray_address(sys.argv[1:] if argv is None else argv))
    except (RagError, ModelError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        sys.exit(1)
