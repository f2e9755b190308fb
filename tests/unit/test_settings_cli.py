"""Options: defaults, then IBL_MOCK_* variables, then the command line; every one documented."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from mock_server import server
from mock_server.cli import build_parser, main
from mock_server.edge import exposure_warning
from mock_server.settings import ENV_PREFIX, Settings, parse_size
from mock_server.spec.loader import DEFAULT_SPEC_PATH

SERVE_OPTIONS = (
    "--host",
    "--port",
    "--seed",
    "--spec",
    "--validate-responses",
    "--no-cors",
    "--no-cache",
    "--log-level",
    "--max-body",
    "--allowed-hosts",
    "--control-origins",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)


def test_defaults() -> None:
    settings = Settings.from_env()
    assert settings == Settings()
    assert (settings.host, settings.port, settings.seed) == ("127.0.0.1", 8000, 0)
    assert settings.spec_path == DEFAULT_SPEC_PATH
    assert (settings.validate_responses, settings.cors, settings.use_spec_cache) == (
        False,
        True,
        True,
    )
    assert settings.log_level == "info"
    assert settings.max_body == 10 * 1024 * 1024
    assert (settings.allowed_hosts, settings.control_origins) == ((), ())


def test_environment_overrides_defaults_and_is_typed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("IBL_MOCK_HOST", "0.0.0.0")
    monkeypatch.setenv("IBL_MOCK_PORT", "9001")
    monkeypatch.setenv("IBL_MOCK_SEED", "7")
    monkeypatch.setenv("IBL_MOCK_SPEC_PATH", str(tmp_path / "doc.yaml"))
    monkeypatch.setenv("IBL_MOCK_VALIDATE_RESPONSES", "yes")
    monkeypatch.setenv("IBL_MOCK_CORS", "false")
    monkeypatch.setenv("IBL_MOCK_USE_SPEC_CACHE", "0")
    monkeypatch.setenv("IBL_MOCK_LOG_LEVEL", "debug")
    monkeypatch.setenv("IBL_MOCK_MAX_BODY", "5MiB")
    monkeypatch.setenv("IBL_MOCK_ALLOWED_HOSTS", "Mock, .corp.example")
    monkeypatch.setenv("IBL_MOCK_CONTROL_ORIGINS", "http://localhost:3000/")
    settings = Settings.from_env()
    assert settings == Settings(
        host="0.0.0.0",
        port=9001,
        seed=7,
        spec_path=tmp_path / "doc.yaml",
        validate_responses=True,
        cors=False,
        use_spec_cache=False,
        log_level="debug",
        max_body=5 * 1024 * 1024,
        allowed_hosts=("mock", ".corp.example"),
        control_origins=("http://localhost:3000",),
    )
    assert isinstance(settings.port, int) and isinstance(settings.spec_path, Path)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[("1", True), ("true", True), ("TRUE", True), (" on ", True), ("yes", True)],
        *[("0", False), ("false", False), ("no", False), ("off", False), ("", False)],
    ],
)
def test_boolean_variables(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("IBL_MOCK_VALIDATE_RESPONSES", raw)
    assert Settings.from_env().validate_responses is expected


def test_explicit_overrides_beat_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IBL_MOCK_PORT", "9001")
    monkeypatch.setenv("IBL_MOCK_SEED", "7")
    monkeypatch.setenv("IBL_MOCK_CORS", "true")
    settings = Settings.from_env(port=9100, cors=False, seed=None)
    assert settings.port == 9100  # override wins
    assert settings.cors is False  # a False override is still an override
    assert settings.seed == 7  # None means "not given": the environment stands


def _serve(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["serve", *argv])


def test_the_parser_reads_every_serve_option(tmp_path: Path) -> None:
    args = _serve(
        "--host",
        "::1",
        "--port",
        "9002",
        "--seed",
        "11",
        "--spec",
        str(tmp_path / "x.yaml"),
        "--fixtures",
        str(tmp_path / "world.yaml"),
        "--auth",
        "fixtures",
        "--strict",
        "--validate-responses",
        "--no-cors",
        "--no-cache",
        "--log-level",
        "warning",
        "--populate-new-scopes",
        "--clock",
        "2027-01-15",
        "--max-body",
        "5MB",
        "--allowed-hosts",
        "mock,.corp.example",
        "--control-origins",
        "http://localhost:3000, https://app.example.com/",
        "--state",
        str(tmp_path / "state.json"),
        "--control-key",
        "k3y",
        "--latency",
        "100-300",
        "--error-rate",
        "0.05",
        "--cors-origins",
        "http://localhost:5173",
        "--session-ttl",
        "60",
        "--data",
        str(tmp_path / "state.db"),
        "--store",
        "redis://127.0.0.1:6390/2",
        "--workers",
        "2",
    )
    options = {key: value for key, value in vars(args).items() if key != "command"}
    assert options == {
        "host": "::1",
        "port": 9002,
        "seed": 11,
        "spec_path": tmp_path / "x.yaml",
        "fixtures_path": tmp_path / "world.yaml",
        "auth": "fixtures",
        "strict": True,
        "validate_responses": True,
        "cors": False,
        "use_spec_cache": False,
        "log_level": "warning",
        "populate_new_scopes": True,
        "clock": "2027-01-15",
        "max_body": 5_000_000,
        "allowed_hosts": ("mock", ".corp.example"),
        "control_origins": ("http://localhost:3000", "https://app.example.com"),
        "state_path": tmp_path / "state.json",
        "control_key": "k3y",
        "latency": "100-300",
        "error_rate": 0.05,
        "cors_origins": ("http://localhost:5173",),
        "session_ttl": 60.0,
        "data_path": tmp_path / "state.db",
        "store_url": "redis://127.0.0.1:6390/2",
        "workers": 2,
    }
    assert Settings.from_env(**options) == Settings(**options)


def test_a_clock_that_is_not_a_date_is_refused_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _serve("--clock", "next tuesday")
    assert "'next tuesday' is not a date" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("10485760", 10485760),
        ("5MB", 5_000_000),
        ("10MiB", 10 * 2**20),
        ("10mib", 10 * 2**20),
        ("512k", 512_000),
        ("2 KiB", 2048),
        ("1G", 10**9),
        ("7b", 7),
    ],
)
def test_sizes_take_decimal_and_binary_suffixes(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--max-body", "lots"], "'lots' is not a size"),
        (["--max-body", "-1"], "'-1' is not a size"),
        (["--control-origins", "localhost:3000"], "'localhost:3000' is not an origin"),
        (["--control-origins", "http://a.example/path"], "is not an origin"),
    ],
)
def test_bad_sizes_and_origins_are_refused_by_name(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit):
        _serve(*argv)
    assert message in capsys.readouterr().err


def test_binding_beyond_loopback_warns_how_to_restrict_it() -> None:
    for local in ("127.0.0.1", "localhost", "::1", "127.0.0.5"):
        assert exposure_warning(local, 8000) is None
    warning = exposure_warning("0.0.0.0", 8000)
    assert warning is not None
    assert "reachable from the network" in warning
    assert "--host 127.0.0.1" in warning and "--allowed-hosts" in warning
    assert "192.168.1.5" in (exposure_warning("192.168.1.5", 8000) or "")


def test_serve_prints_the_warning_before_starting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Stub:
        asgi = None

    monkeypatch.setattr(server, "MockApplication", lambda settings: Stub())
    monkeypatch.setattr(server._AnnouncingServer, "run", lambda self, sockets=None: None)
    assert server.serve(Settings(host="0.0.0.0", port=9), started=0.0) == 1  # never started
    assert "warning: --host 0.0.0.0 makes the mock reachable" in capsys.readouterr().err
    server.serve(Settings(port=9), started=0.0)
    assert "warning" not in capsys.readouterr().err


def test_the_server_bounds_slow_and_idle_clients() -> None:
    class Stub:
        asgi = None

    config = server.server_config(Stub(), Settings())  # type: ignore[arg-type]
    assert config.http is server.GuardedProtocol
    assert 0 < config.timeout_keep_alive <= 10
    assert config.timeout_graceful_shutdown is not None
    assert 0 < config.timeout_graceful_shutdown <= 10
    assert config.h11_max_incomplete_event_size == server.MAX_HEADER_BYTES


def test_every_setting_has_a_command_line_option_and_vice_versa() -> None:
    options = {key for key in vars(_serve()) if key != "command"}
    assert options == {option.name for option in fields(Settings)}


def test_options_left_out_leave_the_environment_in_charge(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IBL_MOCK_CORS", "false")
    monkeypatch.setenv("IBL_MOCK_PORT", "9003")
    options = {key: value for key, value in vars(_serve("--seed", "3")).items()}
    options.pop("command")
    assert all(value is None for key, value in options.items() if key != "seed")
    settings = Settings.from_env(**options)
    assert (settings.cors, settings.port, settings.seed) == (False, 9003, 3)


@pytest.mark.parametrize(
    "argv",
    [["serve", "--port", "eighty"], ["serve", "--log-level", "loud"], ["serve", "--nope"], []],
)
def test_bad_command_lines_exit_with_usage(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(argv)
    assert raised.value.code == 2


def _cli(*argv: str) -> str:
    script = Path(sys.executable).with_name("ibl-mock")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "mock_server"]
    result = subprocess.run(
        [*command, *argv], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_help_mentions_every_option() -> None:
    top = _cli("--help")
    assert "serve" in top and "--version" in top
    serve = _cli("serve", "--help")
    for option in SERVE_OPTIONS:
        assert option in serve, option
    assert "X-Mock-Response-Problems" in serve.replace("\n", " ").replace("  ", " ")
    assert _cli("--version").startswith("ibl-mock ")


def test_resources_command_summarises_the_inferred_model(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mock_server.cli import main

    assert main(["resources"]) == 0
    summary = capsys.readouterr().out
    assert summary.startswith("1176 operations: collection ")
    for kind in ("collection", "item", "singleton", "action", "view"):
        assert f"{kind} " in summary
    assert main(["resources", "--verbose"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(
        "/custom-instruction/ -> singleton/create" in line and line.startswith("POST")
        for line in lines
    )
    operation_lines = [line for line in lines if line.split(" ", 1)[0].isupper()]
    assert len(operation_lines) == 1176
    assert lines[4 + 1176].startswith("references: ")  # then the reference graph


def test_state_and_control_key_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert (Settings().state_path, Settings().control_key) == (None, None)
    monkeypatch.setenv("IBL_MOCK_STATE_PATH", str(tmp_path / "state.json"))
    monkeypatch.setenv("IBL_MOCK_CONTROL_KEY", "from-env")
    settings = Settings.from_env()
    assert (settings.state_path, settings.control_key) == (tmp_path / "state.json", "from-env")
    monkeypatch.setenv("IBL_MOCK_CONTROL_KEY", "")
    assert Settings.from_env().control_key is None  # an empty key is no key
    args = _serve("--state", "saved.json", "--control-key", "k")
    assert (args.state_path, args.control_key) == (Path("saved.json"), "k")


def test_help_mentions_the_state_and_control_key_options() -> None:
    serve = _cli("serve", "--help")
    assert "--state FILE" in serve and "--control-key KEY" in serve


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--latency", "soon"),
        ("--latency", "300-100"),
        ("--error-rate", "1.5"),
        ("--error-rate", "x"),
    ],
)
def test_chaos_options_refuse_what_they_cannot_read(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        _serve(option, value)
    assert option in capsys.readouterr().err


def test_a_mistyped_serve_option_shows_serves_usage(capsys: pytest.CaptureFixture[str]) -> None:
    from mock_server.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--prot", "1"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: ibl-mock serve") and "unrecognized arguments: --prot 1" in err
