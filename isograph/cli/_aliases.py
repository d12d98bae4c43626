"""IsoGraph's configuration names, accepted on the command line as aliases of ours.

Users of the IsoGraph reference write ``isograph fit ... -- vae.hidden_dim=256``;
our VAE takes ``hidden_layer_sizes``. An alias is translated before the config
is used, so ``fit_config.json`` records our names only, and the translation is
one table (:data:`RENAMES`) plus the two layer keys, listed in docs/cli.md.
"""

from __future__ import annotations

import re

#: (config group, IsoGraph name) -> our name in that group.
RENAMES = {
    ("vae", "n_epochs"): "max_epochs",
    ("vae", "latent_dim"): "latent_dim",  # same name, listed so the table is complete
}
#: IsoGraph describes the encoder/decoder MLP by a width and a depth; ours is the
#: list of widths, so ``hidden_dim=256 n_hidden_layers=2`` -> ``[256, 256]``.
LAYER_KEYS = ("hidden_dim", "n_hidden_layers")

_OVERRIDE = re.compile(r"^(?P<plus>\+{0,2})(?P<group>\w+)\.(?P<key>\w+)=(?P<value>.*)$")


class AliasError(ValueError):
    """An alias with a value it cannot take (the message names key, value and remedy)."""


def translate_overrides(overrides) -> tuple[list[str], dict]:
    """Rename alias keys in Hydra overrides; take the layer keys out.

    Parameters
    ----------
    overrides : sequence of str
        Hydra overrides as typed after ``--``.

    Returns
    -------
    overrides : list of str
        With ``vae.n_epochs=...`` written as ``vae.max_epochs=...`` and so on.
    layers : dict
        ``{group: {"hidden_dim": int, "n_hidden_layers": int}}`` for
        :func:`apply_layer_aliases`, which needs the composed config.
    """
    out, layers = [], {}
    for override in overrides:
        match = _OVERRIDE.match(override)
        if match is None:
            out.append(override)
            continue
        group, key, value = match["group"], match["key"], match["value"]
        if (group, key) in RENAMES:
            out.append(f"{group}.{RENAMES[group, key]}={value}")
        elif group == "vae" and key in LAYER_KEYS:
            try:
                number = int(value)
            except ValueError:
                number = 0
            if number < 1:
                raise AliasError(f"{group}.{key} must be an integer >= 1, got {value!r}")
            layers.setdefault(group, {})[key] = number
        else:
            out.append(override)
    for group in layers:
        if any(_OVERRIDE.match(o) and _OVERRIDE.match(o)["group"] == group
               and _OVERRIDE.match(o)["key"] == "hidden_layer_sizes" for o in out):
            raise AliasError(f"{group}.hidden_layer_sizes and {group}.hidden_dim / "
                             f"{group}.n_hidden_layers set the same layers; give one of them")
    return out, layers


def apply_layer_aliases(cfg: dict, layers: dict) -> dict:
    """Write ``hidden_dim`` / ``n_hidden_layers`` into ``hidden_layer_sizes`` of ``cfg``.

    A missing one of the two keeps what the config has: the first width, or
    the number of layers.
    """
    for group, keys in layers.items():
        node = cfg.get(group)
        if node is None:
            continue
        sizes = list(node.get("hidden_layer_sizes") or [128])
        width = keys.get("hidden_dim", sizes[0])
        depth = keys.get("n_hidden_layers", len(sizes))
        node["hidden_layer_sizes"] = [width] * depth
    return cfg


def alias_table() -> list[tuple[str, str]]:
    """(IsoGraph name, our name) rows, as docs/cli.md lists them."""
    rows = [(f"{g}.{k}", f"{g}.{v}") for (g, k), v in RENAMES.items()]
    rows += [("vae.hidden_dim", "vae.hidden_layer_sizes (every layer's width)"),
             ("vae.n_hidden_layers", "vae.hidden_layer_sizes (its length)")]
    return rows


def canonical_overrides(overrides, cfg: dict) -> list[str]:
    """The overrides as our names say them, for ``fit_config.json``.

    Parameters
    ----------
    overrides : sequence of str
        As typed (aliases allowed).
    cfg : dict
        The composed configuration (after :func:`apply_layer_aliases`).

    Returns
    -------
    list of str
    """
    translated, layers = translate_overrides([str(o) for o in overrides])
    for group in layers:
        sizes = ",".join(str(s) for s in cfg[group]["hidden_layer_sizes"])
        translated.append(f"{group}.hidden_layer_sizes=[{sizes}]")
    return translated
