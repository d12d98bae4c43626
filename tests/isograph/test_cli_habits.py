"""IsoGraph users' habits and outputs for papers: aliases, --version, --format / --dpi."""

import json

import pytest

from isograph import __version__
from isograph.cli import CliError, load_config, main


def test_isograph_aliases_map_onto_our_names():
    cfg = load_config("fit", ["vae.hidden_dim=256", "vae.n_hidden_layers=2",
                              "vae.n_epochs=7", "vae.latent_dim=4"])
    vae = cfg["vae"]
    assert vae["hidden_layer_sizes"] == [256, 256]
    assert vae["max_epochs"] == 7 and vae["latent_dim"] == 4
    assert not {"hidden_dim", "n_hidden_layers", "n_epochs"} & set(vae)
    # one of the two layer keys keeps the other from the packaged config
    default = load_config("fit")["vae"]["hidden_layer_sizes"]
    assert load_config("fit", ["vae.hidden_dim=64"])["vae"]["hidden_layer_sizes"] == \
        [64] * len(default)
    assert load_config("fit", ["vae.n_hidden_layers=3"])["vae"]["hidden_layer_sizes"] == \
        [default[0]] * 3


@pytest.mark.parametrize("overrides, message", [
    (["vae.hidden_dim=abc"], "vae.hidden_dim must be an integer >= 1, got 'abc'"),
    (["vae.n_hidden_layers=0"], "vae.n_hidden_layers must be an integer >= 1, got '0'"),
    (["vae.hidden_dim=8", "vae.hidden_layer_sizes=[3]"], "set the same layers"),
])
def test_bad_alias_values_are_one_line_errors(overrides, message):
    with pytest.raises(CliError, match=message):
        load_config("fit", overrides)


def test_version_flag(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"isograph {__version__}"


@pytest.fixture(scope="module")
def latent_fit(tmp_path_factory):
    root = tmp_path_factory.mktemp("habits")
    assert main(["simulate", "--preset", "toy", "--output-dir", str(root / "data"), "--",
                 "random_state=0"]) == 0
    assert main(["fit", "--dataset-path", str(root / "data"), "--output-dir",
                 str(root / "fit"), "--backend", "latent", "--", "latent.random_state=0"]) == 0
    return root / "fit"


@pytest.mark.parametrize("fmt, magic", [("svg", b"<svg"), ("pdf", b"%PDF"), ("png", b"\x89PNG")])
def test_report_writes_the_requested_format(latent_fit, fmt, magic, capsys):
    assert main(["report", "--fit-dir", str(latent_fit), "--format", fmt, "--dpi", "200"]) == 0
    out = capsys.readouterr().out
    written = sorted(latent_fit.glob(f"module_sizes.{fmt}"))
    assert written and str(written[0]) in out
    assert magic in written[0].read_bytes()[:400]


def test_report_dpi_sets_the_png_resolution(latent_fit):
    from matplotlib.image import imread

    sizes = {}
    for dpi in (50, 100):
        assert main(["report", "--fit-dir", str(latent_fit), "--dpi", str(dpi)]) == 0
        sizes[dpi] = imread(latent_fit / "module_sizes.png").shape[:2]
    assert sizes[100][0] == pytest.approx(2 * sizes[50][0], abs=2)
    assert main(["report", "--fit-dir", str(latent_fit), "--dpi", "0"]) == 1


def test_fit_config_records_aliases_under_our_names(tmp_path):
    root = tmp_path
    assert main(["simulate", "--preset", "toy", "--output-dir", str(root / "data"), "--",
                 "random_state=0"]) == 0
    # the latent backend ignores the vae group, so this is quick, and the
    # recorded overrides still show the translation
    assert main(["fit", "--dataset-path", str(root / "data"), "--output-dir",
                 str(root / "fit"), "--backend", "latent", "--quiet", "--",
                 "vae.n_epochs=2", "vae.hidden_dim=16"]) == 0
    cli = json.loads((root / "fit" / "fit_config.json").read_text())["cli"]
    assert "vae.max_epochs=2" in cli["overrides"]
    assert any(o.startswith("vae.hidden_layer_sizes=[16") for o in cli["overrides"])
    assert not any("n_epochs" in o or "hidden_dim" in o for o in cli["overrides"])


@pytest.mark.torch
def test_vae_fit_shows_progress_on_a_terminal_unless_quiet(tmp_path, monkeypatch):
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert main(["simulate", "--preset", "toy", "--output-dir", str(tmp_path / "data"), "--",
                 "random_state=0"]) == 0
    shown = {}
    for quiet in (False, True):
        terminal = Terminal()
        monkeypatch.setattr("sys.stderr", terminal)
        argv = ["fit", "--dataset-path", str(tmp_path / "data"), "--output-dir",
                str(tmp_path / f"fit{quiet}"), "--backend", "vae", "--",
                "vae.n_epochs=3", "vae.latent_dim=2", "vae.random_state=0"]
        assert main(argv[:7] + ["--quiet"] * quiet + argv[7:]) == 0
        shown[quiet] = terminal.getvalue()
    assert "/3 [" in shown[False]  # the epoch bar: n/3 [elapsed<remaining ...]
    assert shown[True] == ""
