"""Weights files: exact keys, float64, weights_only loading, sidecar checks; atomic writes."""

import json

import numpy as np
import pytest
import torch

from pixelpde.constructive import Theorem32Network, load_network, save_network
from pixelpde.ground.atomic import atomic_path
from pixelpde.ground.errors import InputError
from pixelpde.stencils import parse_pde


@pytest.mark.parametrize(
    ("text", "keys"), [("u_t = u_x + u_y", {"A1", "A2", "C"}), ("u_t = u_xx - u*u_x", {"A1", "A2", "B1", "B2", "C"})]
)
def test_round_trip(tmp_path, text, keys):
    sd = parse_pde(text).discretise("1/16", "periodic")
    net = Theorem32Network.from_system(sd)
    meta = save_network(tmp_path / "w.pt", net.compacted(), sd)  # saved in full form
    state = torch.load(tmp_path / "w.pt", weights_only=True)
    assert set(state) == keys
    assert all(t.dtype == torch.float64 for t in state.values())
    assert meta["parameters"] == net.num_parameters()
    assert meta["n"] == sd.n
    loaded, side = load_network(tmp_path / "w.pt")
    for name, w in net.weights().items():
        assert torch.equal(loaded.weights()[name], w)
    assert side == json.loads((tmp_path / "w.json").read_text())
    U = torch.from_numpy(np.random.default_rng(0).normal(size=(16, 16)))
    with torch.no_grad():
        assert torch.equal(loaded(U), net(U))


def test_mismatched_sidecar_is_refused(tmp_path):
    sd = parse_pde("u_xx").discretise("1/16", "periodic")
    save_network(tmp_path / "a.pt", Theorem32Network.from_system(sd), sd)
    sd2 = parse_pde("u_yy").discretise("1/16", "periodic")
    save_network(tmp_path / "b.pt", Theorem32Network.from_system(sd2), sd2)
    (tmp_path / "b.json").replace(tmp_path / "a.json")
    with pytest.raises(InputError, match="checksum"):
        load_network(tmp_path / "a.pt")


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")

    def killed_halfway():
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        killed_halfway()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_compact_refuses_non_identity_filters():
    sd = parse_pde("u_xx").discretise("1/16", "periodic")
    net = Theorem32Network.from_system(sd)
    with torch.no_grad():
        net.C[0, 0, 0, 0] = 1.0
    with pytest.raises(ValueError, match="off-centre"):
        net.compacted()


def test_atomic_path_gives_ordinary_permissions(tmp_path):
    import os

    mask = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "out.json") as tmp:
            tmp.write_text("{}")
    finally:
        os.umask(mask)
    assert (tmp_path / "out.json").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("kind", ["theorem32", "algorithm2", "algorithm1"])
def test_one_kind_dispatch_reads_the_file_once(tmp_path, monkeypatch, kind):
    """``load_any_network`` (used by apply, convergence --weights, evaluate) reads a weights file once."""
    from pixelpde.constructive.io import save_tensors
    from pixelpde.learned.architectures import PRESETS
    from pixelpde.learned.io import load_any_network

    path = tmp_path / f"{kind}.pt"
    if kind == "theorem32":
        sd = parse_pde("u_t = 0.01*(u_xx + u_yy) + u*(1 - u)").discretise("1/9", "dirichlet")
        net = Theorem32Network.from_system(sd)
        save_network(path, net, sd)
    else:
        spec = PRESETS["table2" if kind == "algorithm2" else "algorithm1"]
        net = spec.build("periodic", dtype=torch.float64)
        save_tensors(path, net.state_dict(), {"network": kind, "arch": spec.describe(), "bc": "periodic"})
    reads = []
    real = torch.load
    monkeypatch.setattr(torch, "load", lambda *a, **k: reads.append(a[0]) or real(*a, **k))
    loaded, meta = load_any_network(path)
    assert len(reads) == 1
    assert meta["network"] == kind
    U = torch.randn(8, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert torch.equal(loaded(U), net(U))
