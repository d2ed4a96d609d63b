"""Shared pytest configuration: Hypothesis profiles.

``ci`` (the default) keeps property tests fast enough for 2 cores;
``thorough`` (HYPOTHESIS_PROFILE=thorough) runs many more examples.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def single_thread():
    """Run a test on one torch thread (tiny tensors: OpenMP threads only spin-wait, badly so
    on a busy 2-core machine); the previous setting is restored afterwards."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
