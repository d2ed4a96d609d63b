"""Fuzz of the PDE parser with strings of the extended grammar (names, numbers, + - * /,
powers of any sign and kind, function calls, parentheses) and with raw text: it returns a PDE
or raises InputError -- never anything else, never runs the text, never hangs (every example
has a deadline)."""

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pixelpde.ground.errors import InputError
from pixelpde.stencils import parse_pde

atoms = st.sampled_from(
    [
        "u",
        "u_x",
        "u_y",
        "u_xx",
        "u_xy",
        "u_yx",
        "u_yy",
        "u_xxx",
        "u_t",
        "x",
        "pi",
        "0",
        "1",
        "2",
        "0.5",
        "1e-3",
        "3/4",
        "1e400",
        "True",
        "'u'",
        "__import__('os')",
    ]
)


def combine(children):
    binary = st.tuples(
        children, st.sampled_from(["+", "-", "*", "/", "**", "^", "%", "//", "@", "<", " and "]), children
    )
    return st.one_of(
        binary.map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
        children.map(lambda c: f"({c})"),
        children.map(lambda c: f"-{c}"),
        st.tuples(children, st.sampled_from(["0", "1", "2", "3", "4", "-1", "0.5", "(1/2)", "u", "16", "17"])).map(
            lambda t: f"({t[0]})**{t[1]}"
        ),
        st.tuples(st.sampled_from(["sin", "exp", "abs", "eval", "u", "lambda u:"]), children).map(
            lambda t: f"{t[0]}({t[1]})"
        ),
        st.tuples(children, st.sampled_from(["[0]", ".real", "()", " if u else u"])).map(lambda t: f"{t[0]}{t[1]}"),
    )


expressions = st.recursive(atoms, combine, max_leaves=12)


def outcome(text, degree):
    try:
        pde = parse_pde(text, max_degree=degree)
    except InputError as exc:
        message = str(exc)
        assert message
        assert "\n" not in message
        return None
    assert pde.degree <= degree
    return pde


@settings(max_examples=150, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(text=expressions, lhs=st.sampled_from(["", "u_t = ", "du/dt =", "u = "]), degree=st.integers(2, 6))
def test_grammar_strings_parse_or_refuse(text, lhs, degree):
    outcome(lhs + text, degree)


@settings(max_examples=150, deadline=5000)
@given(text=st.text(alphabet=string.printable, max_size=60), degree=st.integers(2, 6))
def test_raw_text_parses_or_refuses(text, degree):
    outcome(text, degree)


def test_nothing_is_executed(tmp_path, monkeypatch):
    """Text that would run code if evaluated is refused and has no effect."""
    target = tmp_path / "ran"
    monkeypatch.chdir(tmp_path)
    for text in [
        f"__import__('pathlib').Path('{target.name}').touch()",
        "open('ran', 'w')",
        "(lambda: u)()",
        "u.__class__",
    ]:
        assert outcome(text, 3) is None
    assert not target.exists()
