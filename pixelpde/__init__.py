"""pixelpde: convolutional networks that learn PDE dynamics from pixel data.

Reference implementation of Celledoni, Jackaman, Murari & Owren, "Predictions
based on pixel data: insights from PDEs and finite differences".

This is the one import package the install provides.  The repository's
top-level folders are its subpackages (``stencils/`` is :mod:`pixelpde.stencils`,
and so on; see ``package_dir`` in setup.cfg).  This file imports nothing, so
importing any subpackage never drags in another.  :mod:`pixelpde.ground`
(errors, atomic writes) sits below everything, the command-line interface
(:mod:`pixelpde.cli`, :mod:`pixelpde.commands`) on top, and data flows one
way through the layers between::

    stencils  ->  constructive  ->  integrators / convergence  ->  learned
    (PDE text     (Theorem 3.2       (time stepping, order          (Algorithm 2
     to stencils)  weights)           studies)                       training)
    fem: finite-element reference data (Appendix A), read by learned.

Conventions (stated once, used everywhere)
------------------------------------------
* ``U[h, k] = u(x_h, y_k)``: axis 0 is x, axis 1 is y, and delta_y = delta_x.
* A field of C components (a system of C equations) is ``(C, p, p)``, a batch ``(N, C, p, p)``:
  the channel axis first, in the order of the fields; a scalar field may omit it
  (``(p, p)``, ``(N, p, p)``).  :func:`pixelpde.stencils.boundary.as_batch` is the one rule.
* A kernel ``K`` of size k x k (k odd, c = k // 2) acts by cross-correlation,
  exactly as :func:`torch.nn.functional.conv2d`:
  ``(K * U)[h, k] = sum_{i,j=-c..c} K[c + i, c + j] U[h + i, k + j]``.
* Periodic grids have p nodes x_h = h/p (h = 0..p-1) and delta_x = 1/p;
  Dirichlet grids have p interior nodes x_h = h/(p+1) (h = 1..p) and
  delta_x = 1/(p+1), the zero padding standing for the boundary values.
"""

__version__ = "0.1.0"
