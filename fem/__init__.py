"""fem: the finite-element reference data of Appendix A, as HDF5 datasets.

Q1 elements on the uniform quadrilateral mesh of [0, 1]^2 (scikit-fem for the
assembly, closed Kronecker forms for the fast solver), the schemes (33)
advection, (37) heat and (42) Fisher with the random initial conditions
(34), (39), (43), and atomic, validated HDF5 files.

>>> from pixelpde.fem import SimulationSpec, generate, simulate
>>> sim = generate("heat", n=4, steps=5, seed=0, p=16, progress=False)
>>> sim.U.shape
(4, 6, 16, 16)
>>> simulate(SimulationSpec("heat", n=4, steps=5, seed=0, p=16), progress=False).U.shape
(4, 6, 16, 16)

Modules: :mod:`pixelpde.fem.q1` (elements, matrices, the trilinear form),
:mod:`pixelpde.fem.linalg` (fast diagonalisation and sparse LU), :mod:`pixelpde.fem.problems`
(schemes and initial conditions), :mod:`pixelpde.fem.generator`, :mod:`pixelpde.fem.dataset`
(HDF5 files; training windows are pixelpde.learned.data's), :mod:`pixelpde.fem.firedrake_backend` (optional).
"""

from pixelpde.fem.dataset import FORMAT_VERSION, Dataset, Simulation, write_dataset
from pixelpde.fem.generator import SimulationSpec, generate, simulate, simulate_to_file, write_simulation
from pixelpde.fem.problems import PROBLEMS, get_problem

__all__ = [
    "FORMAT_VERSION",
    "PROBLEMS",
    "Dataset",
    "Simulation",
    "SimulationSpec",
    "generate",
    "get_problem",
    "simulate",
    "simulate_to_file",
    "write_dataset",
    "write_simulation",
]
