"""Sphinx configuration: the API reference, built from the numpydoc docstrings.

``make docs`` builds it with warnings as errors (``-W``); ``make test`` runs
that build too (tests/test_docs.py), so a docstring that no longer renders
fails the suite.
"""

from importlib.metadata import version as _version

project = "isograph"
author = "The isograph developers"
copyright = "2026, The isograph developers"
release = _version("isograph")
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.napoleon",
    "numpydoc",
]
# regnet.nn's torch layers use PyTorch Geometric's docstring style (``Args:``,
# ``Shapes:``, as the style guide asks); napoleon reads those, numpydoc the rest.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_custom_sections = [("Shapes", "params_style")]
# Only the reStructuredText sources: the Markdown guides beside them are read on GitHub.
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "figures"]
templates_path = ["api/_templates"]

autosummary_generate = True
autosummary_imported_members = True  # public names live in private _modules
autosummary_ignore_module_all = False  # document exactly each package's __all__
autodoc_default_options = {
    "members": True,
    # Class pages also list inherited methods of ours: the class template
    # (api/_templates/autosummary/class.rst) names the bases to stop at. A
    # default here would override it, and on modules it would list members.
    # scikit-learn's generated metadata-routing setters and set_output cite
    # its own glossary and examples, which this build cannot resolve.
    "exclude-members": ",".join([*(f"set_{m}_request" for m in (
        "fit", "transform", "score", "predict", "predict_proba", "partial_fit",
        "inverse_transform", "split", "decision_function")),
        "set_output", "get_metadata_routing"]),
}
autodoc_typehints = "none"  # numpydoc sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# No network at build time: intersphinx inventories are not fetched.
intersphinx_mapping = {}

# |x| is an absolute value in the docstrings, not a substitution reference.
rst_prolog = "\n".join(
    f".. |{name}| replace:: \\|{name}\\|"
    for name in ("weight", "weights", "kME", "decoded correlation")
)

html_theme = "alabaster"
html_title = f"isograph {release}"
nitpicky = False
