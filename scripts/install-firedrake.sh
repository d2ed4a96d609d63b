#!/usr/bin/env bash
# Optional: install Firedrake (the paper's own FEM generator) into a separate
# virtual environment, for `pixelpde simulate --backend firedrake` and the
# embedded-vs-Firedrake cross-check test.  Nothing else in pixelpde needs it.
#
# Usage:  scripts/install-firedrake.sh [VENV_DIR]     (default: $HOME/.venvs/pixelpde-firedrake)
#
# Recipe measured on Debian 12 / Python 3.11 / 2 cores: ~21 min, ~650 MB venv
# plus ~430 MB of Debian packages.  Needs root (or sudo) for apt-get and the
# package registries (PyPI, Debian); no GitHub access.
set -euo pipefail

V="${1:-$HOME/.venvs/pixelpde-firedrake}"
PY="${PYTHON:-python3}"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
log() { printf '[install-firedrake %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

log "Debian build dependencies"
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  bison flex cmake gfortran build-essential ninja-build pkg-config \
  libopenmpi-dev openmpi-bin libopenblas-dev liblapack-dev libhdf5-mpi-dev libmetis-dev \
  libptscotch-dev libscalapack-openmpi-dev libmumps-ptscotch-dev libhwloc-dev libfftw3-dev \
  libfftw3-mpi-dev libsuitesparse-dev libsuperlu-dev libsuperlu-dist-dev zlib1g-dev

log "virtual environment $V (sees the base interpreter's packages: torch, scikit-fem, ...)"
# --system-site-packages: pixelpde's own dependencies (torch in particular) come
# from the interpreter that runs pixelpde; everything Firedrake needs is
# installed into the venv and shadows the base versions.
"$PY" -m venv --system-site-packages "$V"
P="$V/bin/pip"
"$P" install -U pip setuptools wheel cython numpy
"$P" install --no-binary mpi4py mpi4py

log "PETSc 3.26.0 (hypre left out: Debian's hypre 2.26 breaks the build; no CUDA)"
FLG="-O3 -I/usr/include/hdf5/openmpi -I/usr/include/scotch -I/usr/include/superlu -I/usr/include/superlu-dist -L/usr/lib/x86_64-linux-gnu/hdf5/openmpi"
# The inner double quotes are needed.
export PETSC_CONFIGURE_OPTIONS="\"--COPTFLAGS='$FLG'\" \"--CXXOPTFLAGS='$FLG'\" \"--FOPTFLAGS='$FLG'\" --with-fortran-bindings=0 --with-strict-petscerrorcode --with-bison --with-fftw --with-hdf5 --with-hwloc --with-metis --with-mumps --with-ptscotch --with-scalapack-lib=-lscalapack-openmpi --with-suitesparse --with-superlu_dist --with-zlib --with-cuda=0"
"$P" install petsc==3.26.0
PETSC_DIR="$("$V/bin/python" -c 'import petsc; print(petsc.get_petsc_dir())')"
export PETSC_DIR PETSC_ARCH=
"$P" install --no-build-isolation petsc4py==3.26.0

log "Firedrake's Python dependencies"
"$P" install --prefer-binary petsctools pkgconfig pybind11 rtree firedrake-rtree scikit-build-core \
  libsupermesh scipy sympy loopy 'islpy<2026.2' 'pytools[siphash]' fenics-ufl==2026.2 \
  firedrake-fiat==2026.10 'pyadjoint-ad>=2026.10' immutabledict cachetools 'decorator<=4.4.2' \
  progress pycparser requests packaging
# --ignore-installed: a serial h5py from the base interpreter must not satisfy this.
HDF5_MPI=ON HDF5_DIR=/usr/lib/x86_64-linux-gnu/hdf5/openmpi CC=mpicc \
  "$P" install --no-build-isolation --ignore-installed --no-binary h5py 'h5py>3.12.1'

log "Firedrake 2026.10.0"
"$P" install --no-build-isolation firedrake==2026.10.0

log "pixelpde's own dependencies, where the base interpreter lacks them"
for m in torch:torch skfem:scikit-fem tqdm:tqdm matplotlib:matplotlib pytest:pytest hypothesis:hypothesis; do
  "$V/bin/python" -c "import ${m%%:*}" 2>/dev/null || "$P" install --prefer-binary "${m#*:}"
done
log "check"
OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
  "$V/bin/python" -c "import firedrake, torch, skfem; print('firedrake', firedrake.__file__)"

log "done.  Use it as:"
echo "  export OMP_NUM_THREADS=1 FIREDRAKE_CACHE_DIR=\$HOME/.cache/firedrake"
echo "  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1   # only when running as root"
echo "  $V/bin/python -m pixelpde simulate heat --backend firedrake --n 2 --steps 5 --out heat-fd.h5"
