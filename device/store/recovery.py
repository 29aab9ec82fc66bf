"""At the first opening: what a crash or a refusing card left behind is finished, and said.

- Sets left open (a power cut, a crash) are ended as "interrupted", their
  traces made whole.
- Traces left as `.partial` although their set ended (the card refused the
  last write of an earlier run, or its finish failed) are finished now, so
  the export finds them; a `.partial` that no set names is kept as it is.
- What the store's own opening found (a database salvaged, a damaged
  journal) is passed on.

`report_recovery` returns these as (reason, words) for the recorder to say
once it records (device/store/health.py): nothing found is only in a log
line on stderr any more.
"""
from __future__ import annotations

import logging
import os

from device.store.gztrace import PARTIAL, count_samples, finalize_partial
from device.store.health import JOURNAL_DAMAGED, SALVAGED, SETS_INTERRUPTED, TRACES_RECOVERED
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


def finish_stranded(store: Store) -> tuple[list[str], list[str]]:
    """Finish the `.partial` traces of ended sets; (finished, kept as they are: no set names them).

    Run after `recover_interrupted`: no set is open then, so no `.partial` is in use."""
    try:
        names = sorted(n for n in os.listdir(store.trace_dir) if n.endswith(PARTIAL))
    except OSError:
        return [], []
    finished, orphans = [], []
    for name in names:
        final_name = name[:-len(PARTIAL)]
        row = store.conn.execute("SELECT id FROM sets WHERE trace = ?",
                                 (f"{os.path.basename(store.trace_dir)}/{final_name}",)).fetchone()
        if row is None:
            orphans.append(name)
            continue
        samples, _ = finalize_partial(os.path.join(store.trace_dir, name), os.path.join(store.trace_dir, final_name))
        store.conn.execute("UPDATE sets SET samples = max(samples, ?) WHERE id = ?", (samples, row["id"]))
        finished.append(final_name)
    return finished, orphans


def report_recovery(store: Store) -> list[tuple[str, str]]:
    """Recover what an earlier run left; (reason, words) for each thing the coach should hear of."""
    found = [(SALVAGED if store.moved_aside else JOURNAL_DAMAGED, notice) for notice in store.notices]
    interrupted = recover_interrupted(store)
    if interrupted:
        found.append((SETS_INTERRUPTED, f"{interrupted} set(s) cut short by a power cut or a crash were "
                                        "kept and ended as interrupted"))
    finished, orphans = finish_stranded(store)
    if finished:
        found.append((TRACES_RECOVERED, f"{len(finished)} set trace(s) an earlier run could not finish "
                                        f"were finished now ({', '.join(finished[:3])}"
                                        f"{'...' if len(finished) > 3 else ''})"))
    if orphans:
        found.append((TRACES_RECOVERED, f"{len(orphans)} unfinished trace(s) belong to no set in the "
                                        f"database and were kept as they are in traces/ "
                                        f"({', '.join(orphans[:3])}{'...' if len(orphans) > 3 else ''})"))
    return found
