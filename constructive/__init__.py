"""constructive: exact network weights from a semi-discrete PDE (section 3.2).

* :mod:`pixelpde.constructive.lemma31` -- Lemma 3.1 and eq. (19): products as networks.
* :mod:`pixelpde.constructive.theorem32` -- the weights A1, A2, B1, B2, C of Theorem 3.2.
* :mod:`pixelpde.constructive.network` -- F_theta as a :class:`torch.nn.Module` (and eq. (27)).
* :mod:`pixelpde.constructive.polynomial` -- a ReLU^q branch per degree q >= 3 (products of q factors).
* :mod:`pixelpde.constructive.size` -- parameter counts (dense, non-zero, compact) of the constructions.
* :mod:`pixelpde.constructive.io` -- save / load with a JSON sidecar.

:func:`exact_network` picks the construction for a semi-discrete system.
"""

from pixelpde.constructive.io import load_network, save_network
from pixelpde.constructive.lemma31 import identity_filter, product_weights, relu2, square_weights, two_layer
from pixelpde.constructive.network import LinearNetwork, Theorem32Network, exact_network
from pixelpde.constructive.polynomial import PolynomialNetwork, polynomial_weights, power_sum
from pixelpde.constructive.theorem32 import WEIGHT_NAMES, linear_weights, theorem32_shapes, theorem32_weights

__all__ = [
    "WEIGHT_NAMES",
    "LinearNetwork",
    "PolynomialNetwork",
    "Theorem32Network",
    "exact_network",
    "identity_filter",
    "linear_weights",
    "load_network",
    "polynomial_weights",
    "power_sum",
    "product_weights",
    "relu2",
    "save_network",
    "square_weights",
    "theorem32_shapes",
    "theorem32_weights",
    "two_layer",
]
