"""learned: the practical networks of section 4, trained and compared with the constructed ones.

* :mod:`pixelpde.learned.architectures` -- Algorithm 2 (presets ``table1``..``table4``: 2632, 4952,
  2600, 5104 parameters), Algorithm 1 and the Theorem 3.2 network as trainable modules.
* :mod:`pixelpde.learned.embedding` -- exact weights with F = X inside those architectures
  (eqs. (28)-(29), Lemma 3.1) and the random (orthogonal) initialisation.
* :mod:`pixelpde.learned.data` -- trajectories from the finite-element datasets, Algorithm 3's windows.
* :mod:`pixelpde.learned.train` -- Algorithm 3, the entry point ``train(data, config, out)``, built from
  :mod:`~pixelpde.learned.config` (TrainConfig), :mod:`~pixelpde.learned.timestep` (the dt policy),
  :mod:`~pixelpde.learned.device`, :mod:`~pixelpde.learned.loop` (the recurrent loss, one epoch),
  :mod:`~pixelpde.learned.distributed` (data-parallel workers) and :mod:`~pixelpde.learned.runfiles`
  (checkpoint, logs, model.pt).
* :mod:`pixelpde.learned.evaluate` -- metrics (23)-(25) for learned and constructed networks.
* :mod:`pixelpde.learned.io`, :mod:`pixelpde.learned.plots`, :mod:`pixelpde.learned.report`, :mod:`pixelpde.learned.reproduce`,
  :mod:`pixelpde.learned.presets` -- runs on disk, figures, reports, the end-to-end pipeline.

Imports are kept lazy (``import learned`` loads nothing heavy); import the modules.
"""
