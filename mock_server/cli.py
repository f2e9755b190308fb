"""Command line: `ibl-mock serve ...`; the only module that parses arguments."""

from __future__ import annotations

import time

_STARTED = time.perf_counter()  # before the heavy imports, so the ready line counts them

import argparse  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TypeVar  # noqa: E402

from mock_server import __version__  # noqa: E402
from mock_server.settings import (  # noqa: E402
    Settings,
    parse_latency,
    parse_names,
    parse_origins,
    parse_rate,
    parse_seconds,
    parse_size,
    parse_store_url,
)

T = TypeVar("T")

# Connexion imports Starlette's test client, which warns about httpx on every start.
warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ibl-mock",
        description="A mock of the ibl.ai platform API, served from its OpenAPI document.",
    )
    parser.add_argument("--version", action="version", version=f"ibl-mock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the mock over HTTP")
    defaults = Settings()
    serve.add_argument("--host", default=None, help=f"interface to bind (default {defaults.host})")
    serve.add_argument("--port", type=int, default=None, help=f"port (default {defaults.port})")
    serve.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of the generated data: the same seed gives byte-identical answers (default 0)",
    )
    serve.add_argument(
        "--spec",
        type=Path,
        default=None,
        dest="spec_path",
        help="OpenAPI document to serve (default: the vendored ibl-data-manager document)",
    )
    serve.add_argument(
        "--fixtures",
        type=Path,
        default=None,
        dest="fixtures_path",
        help="the world to start with (default: fixtures/world.yaml)",
    )
    serve.add_argument(
        "--populate-new-scopes",
        action="store_const",
        const=True,
        default=None,
        help="give tenants and users the world file does not name a few records on first "
        "list (by default they start empty, as a new account does)",
    )
    serve.add_argument(
        "--clock",
        type=_clock,
        default=None,
        metavar="DATE",
        help="the date the world's timeline ends at and the mock's clock starts from, e.g. "
        f"2027-01-15 (default {defaults.clock})",
    )
    serve.add_argument(
        "--auth",
        choices=["any", "fixtures", "off"],
        default=None,
        help="credentials: 'any' accepts any Api-Key/Token as an admin of the path's tenant "
        "(default); 'fixtures' only the world's keys and tokens, with tenant and user "
        "permissions; 'off' checks nothing",
    )
    serve.add_argument(
        "--strict",
        action="store_const",
        const=True,
        default=None,
        help="refuse query parameters the document does not declare (400), to catch typos; "
        "by default they are ignored, as DRF ignores them",
    )
    serve.add_argument(
        "--validate-responses",
        action="store_const",
        const=True,
        default=None,
        help="check every answer against the document; a violation is logged and reported "
        "in the X-Mock-Response-Problems header",
    )
    serve.add_argument(
        "--no-cors",
        dest="cors",
        action="store_const",
        const=False,
        default=None,
        help="do not answer CORS on the API (by default any origin is allowed; /__mock__/ "
        "answers only --control-origins)",
    )
    serve.add_argument(
        "--max-body",
        type=_argument(parse_size),
        default=None,
        metavar="BYTES",
        help="largest request body accepted, e.g. 10485760, 5MB, 10MiB; a larger one is "
        f"answered 413 before it is read (default {defaults.max_body}, 10 MiB)",
    )
    serve.add_argument(
        "--allowed-hosts",
        type=_argument(parse_names),
        default=None,
        metavar="A,B",
        help="Host names to answer besides loopback names (localhost, 127.0.0.1, [::1], "
        "*.localhost) and the bound address; '.example.com' also takes its subdomains, '*' any "
        "host; other hosts get Django's 400 (this guards against DNS rebinding)",
    )
    serve.add_argument(
        "--cors-origins",
        type=_argument(parse_origins),
        default=None,
        metavar="URL,URL",
        help="origins (e.g. http://localhost:3000) whose pages may call the API; by default "
        "any origin, reflected with Access-Control-Allow-Credentials so credentialed fetches work",
    )
    serve.add_argument(
        "--control-origins",
        type=_argument(parse_origins),
        default=None,
        metavar="URL,URL",
        help="origins (e.g. http://localhost:3000) whose pages may call /__mock__/ (reset, "
        "state, requests); by default only the mock's own pages and clients that send no "
        "Origin (curl, tests, SDKs) may",
    )
    serve.add_argument(
        "--state",
        type=Path,
        default=None,
        dest="state_path",
        metavar="FILE",
        help="start from a state exported with GET /__mock__/snapshots/{name} instead of the "
        "seeded world (POST /__mock__/reset returns to it); refused unless it was exported "
        "from the same document",
    )
    serve.add_argument(
        "--control-key",
        default=None,
        metavar="KEY",
        help="require the header X-Mock-Control-Key: KEY on every /__mock__/ request (403 "
        "without it); by default the control endpoints need no key",
    )
    serve.add_argument(
        "--latency",
        type=_argument(parse_latency),
        default=None,
        metavar="MS",
        help="wait before every API answer: 200 (ms) or 100-300 (drawn uniformly); also "
        "GET/PUT /__mock__/settings, and per request Prefer: delay=MS",
    )
    serve.add_argument(
        "--error-rate",
        type=_argument(parse_rate),
        default=None,
        metavar="FRACTION",
        help="answer this share of API requests (e.g. 0.05) with the operation's declared 5xx, "
        "or Django's 500 page where none is declared; also GET/PUT /__mock__/settings",
    )
    serve.add_argument(
        "--session-ttl",
        type=_argument(parse_seconds),
        default=None,
        metavar="SECONDS",
        help="drop a session (X-Mock-Session: NAME) unused for this long (default 3600; 0: "
        "never); the default session is never dropped",
    )
    serve.add_argument(
        "--data",
        type=Path,
        default=None,
        dest="data_path",
        metavar="PATH",
        help="keep state in this SQLite file: every write is on disk before it is answered, "
        "and a restart resumes where it was, sessions included",
    )
    serve.add_argument(
        "--store",
        type=_argument(parse_store_url),
        default=None,
        dest="store_url",
        metavar="URL",
        help="keep state in Redis (redis://HOST:PORT/DB), shared by every worker and host "
        "serving it",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="serve with N processes (needs --store redis://...: they share its state)",
    )
    serve.add_argument(
        "--no-cache",
        dest="use_spec_cache",
        action="store_const",
        const=False,
        default=None,
        help="parse the document and seed the world afresh, without the on-disk cache",
    )
    serve.add_argument(
        "--log-level",
        default=None,
        choices=["critical", "error", "warning", "info", "debug"],
        help="server log level (default info)",
    )
    resources = commands.add_parser(
        "resources", help="summarise the resource model inferred from the document"
    )
    resources.add_argument(
        "--spec", type=Path, default=None, dest="spec_path", help="OpenAPI document to read"
    )
    resources.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="one line per operation (kind, verb, resource type, scope, lookup key, whether the "
        "store answers it), then the reference graph",
    )
    return parser


def _argument(parse: Callable[[str], T]) -> Callable[[str], T]:
    """`parse` as an argparse type: its ValueError becomes a usage error naming the value."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = parse.__name__
    return convert


def _clock(text: str) -> str:
    from mock_server.coherence import parse_anchor

    try:
        parse_anchor(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date (2027-01-15) or a date-time (2027-01-15T09:00:00Z)"
        ) from None
    return text


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """argparse hands a subcommand's unknown options to the top-level parser, whose error
    shows the top-level usage; the subcommand's own usage is the one that helps."""
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        subparsers = next(
            action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
        )
        subparsers.choices[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(build_parser(), argv)
    options = {k: v for k, v in vars(args).items() if k not in ("command", "verbose")}
    settings = Settings.from_env(**options)
    if args.command == "serve":
        conflict = settings.conflict()
        if conflict is not None:  # before the heavy imports: refused at once
            print(f"ibl-mock: {conflict}", file=sys.stderr)
            return 2
        from mock_server.admin import StateFileError
        from mock_server.server import serve
        from mock_server.store.backends import BackendRefused

        try:
            return serve(settings, started=_STARTED)
        except (StateFileError, BackendRefused) as error:  # say why, without a traceback
            print(f"ibl-mock: {error}", file=sys.stderr)
            return 2
    if args.command == "resources":
        return print_resources(settings, verbose=args.verbose)
    return 2


def print_resources(settings: Settings, *, verbose: bool) -> int:
    from mock_server.model import describe, infer_resources
    from mock_server.model.references import describe_references, reference_graph
    from mock_server.spec import load_document
    from mock_server.spec.index import OperationIndex

    document = load_document(settings.spec_path, use_cache=settings.use_spec_cache).document
    model = infer_resources(OperationIndex.from_document(document), document)
    print(describe(model, verbose=verbose))
    if verbose:
        print(describe_references(reference_graph(model, document)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
