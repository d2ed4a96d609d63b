"""studies: the paper's open questions (sections 4-5) as reproducible studies.

Each study is a module with a header (``HEADER``, a :class:`.sizes.StudyHeader`: title,
question and the dataclass of sizes for tiny, quick and full), a plan (the list of runs it
compares) and a summary (table, figure, report).  The shared
machinery: :mod:`.folder` (the output folder, its manifest and the refusal to
mix configurations), :mod:`.data` (datasets simulated once per study),
:mod:`.runs` (train -> evaluate one configuration, resumable by fingerprint),
:mod:`.measures` (norm drift, dissipativity, boundary band) and
:mod:`.output` (study.json, CSV, report.md).  :func:`.runner.run_study` ties
them together; ``pixelpde study NAME`` is its command line.

=============  =========================================================
study          question
=============  =========================================================
capacity       section 4: do small networks (the theory's own) train?
integrators    section 5: does the integrator's order show?
structure      section 5 / 4.2: norm drift, dissipativity, boundary band
advection      beating the paper's advection model: ``--init fitted``
datasize       section 4: training trajectories at a fixed Adam budget
=============  =========================================================
"""

STUDIES = ("capacity", "integrators", "structure", "advection", "datasize")
