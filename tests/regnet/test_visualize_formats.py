"""regnet visualize: --format for papers, a progress bar on a terminal, --quiet."""

import io

import pytest

from regnet.visualization.visualize_regnet import main

from .test_visualization import pretrain_dir  # noqa: F401  (the trained fixture)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("fmt, magic", [("svg", b"<svg"), ("pdf", b"%PDF")])
def test_vector_formats(pretrain_dir, fmt, magic):  # noqa: F811
    assert main(["--pretrain-dir", str(pretrain_dir), "--plots", "basic", "--method", "pca",
                 "--format", fmt, "--quiet"]) == 0
    written = pretrain_dir / f"latent_pca.{fmt}"
    assert magic in written.read_bytes()[:400]


def test_progress_on_a_terminal_and_quiet(pretrain_dir, monkeypatch):  # noqa: F811
    argv = ["--pretrain-dir", str(pretrain_dir), "--plots", "basic", "--method", "pca",
            "--dpi", "40"]
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(argv) == 0
    shown = terminal.getvalue()
    assert "regnet visualize" in shown and "2/2" in shown  # embedding + writing
    quiet = _Terminal()
    monkeypatch.setattr("sys.stderr", quiet)
    assert main([*argv, "--quiet"]) == 0
    assert quiet.getvalue() == ""


def test_bad_dpi_is_one_line(pretrain_dir, capsys):  # noqa: F811
    assert main(["--pretrain-dir", str(pretrain_dir), "--plots", "basic", "--method", "pca",
                 "--dpi", "0"]) == 1
    assert "--dpi must be a positive integer, got 0" in capsys.readouterr().err
