"""After a crash: the sets left open are ended as "interrupted", their traces made whole."""
from __future__ import annotations

import logging
import os

from device.store.gztrace import PARTIAL, count_samples, finalize_partial
from device.store.store import Store

log = logging.getLogger("smartdowel.recorder")


def recover_interrupted(store: Store) -> int:
    """End the sets a crash left open ('interrupted'), their traces made whole; how many."""
    n = 0
    for row in store.open_sets():
        samples, last_t = 0, None
        if row["trace"]:
            final = os.path.join(store.data_dir, row["trace"])
            try:
                if os.path.lexists(final + PARTIAL):
                    samples, last_t = finalize_partial(final + PARTIAL, final)
                elif os.path.lexists(final):
                    samples, last_t = count_samples(final)
            except OSError as exc:
                log.error("smartdowel recorder: set %s: cannot recover its trace %s: %s",
                          row["id"], final, exc)
        ready = row["trace_ready_s"] or 0.0
        duration = max(store.last_times(row["id"]), (last_t - ready) if last_t is not None else 0.0)
        store.end_set(row["id"], round(duration, 3), "interrupted", samples, row["dips"])
        log.warning("smartdowel recorder: set %s was interrupted (power cut or crash); kept %d "
                    "samples", row["id"], samples)
        n += 1
    return n
