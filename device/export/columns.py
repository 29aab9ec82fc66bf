"""The export's columns, written down once: the CSV headers, README.txt and docs/export-columns.md.

Why one list: a coach opens sets.csv in a spreadsheet months later, with no
one to ask. Every column is explained in the README.txt beside it and in the
repository's docs, and all three come from the lists here, so they cannot
disagree. `python -m device.export.columns` prints the docs page.
"""
from __future__ import annotations

import sys

from device.export.layout import MANIFEST, PARTIAL
from device.export.plan_columns import PLAN_COLUMNS, PLAN_FILE, SESSION_COLUMNS_ADDED, SET_COLUMNS_ADDED
from device.export.result import ExportResult, plural
from device.store.queries import iso

SESSIONS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("session_id", "number of the session on this box"),
    ("athlete_id", "number of the athlete on this box"),
    ("athlete", "athlete's name"),
    ("started_at", "when the session's first set began (ISO 8601, the box's local time and UTC offset)"),
    ("ended_at", "when its last set ended (ISO 8601)"),
    ("sets", "sets of this session in this export"),
    ("reps", "counted reps in those sets"),
    ("clean_reps", "reps without any contact lost"),
    ("contact_losses", "contact losses in those sets"),
    *SESSION_COLUMNS_ADDED,
)
SETS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("set_id", "number of the set on this box (charts/set-<set_id>.png, traces/set-<set_id>.csv.gz)"),
    ("session_id", "its session (sessions.csv)"),
    ("athlete_id", "number of the athlete"),
    ("athlete", "athlete's name"),
    ("set_number", "1 for the session's first set, 2 for the next, ..."),
    ("started_at", "when the set began: all three contacts on and calibrated (ISO 8601)"),
    ("ended_at", "when it ended (ISO 8601)"),
    ("duration_s", "seconds from start to end"),
    ("end_reason", "dowel_removed, button (ended with button A), or interrupted (power cut, crash, shutdown)"),
    ("reps", "counted reps"),
    ("clean_reps", "reps without any contact lost"),
    ("dips", "shallow dips that did not count as reps"),
    ("contact_losses", "times a contact came off the dowel"),
    ("head_losses", "of those, at the head (neck bending forward)"),
    ("upper_back_losses", "of those, at the upper back (squatting: too much knee bend)"),
    ("sacrum_losses", "of those, at the sacrum (rounding the spine)"),
    ("mean_depth_deg", "mean depth of the counted reps, degrees of dowel tilt from standing"),
    ("max_depth_deg", "deepest rep, degrees"),
    ("mean_rep_s", "mean rep duration, seconds"),
    ("standing_deg", "tilt of the dowel when standing at the start, degrees (empty without a tilt sensor)"),
    ("baseline_head_us", "standing pressure at the head, as sensor conductance in microsiemens (∝ force)"),
    ("baseline_upper_back_us", "standing pressure at the upper back, microsiemens"),
    ("baseline_sacrum_us", "standing pressure at the sacrum, microsiemens"),
    ("sensor_faults", "sensor problems during the set, contact:reason separated by ';' (e.g. head:shorted)"),
    ("samples", "raw samples in the trace"),
    ("trace_file", "the raw trace in this export (empty if it could not be kept)"),
    ("trace_ready_s", "when the set began on the trace's clock (its t column), seconds"),
    ("chart_file", "the chart in this export (empty if it could not be drawn, or the export drew no charts)"),
    ("athlete_set_number", "1 for the athlete's first set on this box, 2 for the next, ... (as the "
                           "screen and History number it)"),
    ("schedule", "feedback schedule the set ran with: every, faded, bandwidth or retention (no cue "
                 "on screen or buzzer); 'a>b' if changed during the set; empty for sets from before "
                 "it was recorded"),
    ("sensitivity", "contact-loss sensitivity the set ran with: low, normal or high ('a>b' if changed)"),
    ("mute", "1 if the buzzer was muted, 0 if not ('0>1' if changed during the set)"),
    *SET_COLUMNS_ADDED,
)
REPS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("set_id", "the set (sets.csv)"),
    ("session_id", "the session (sessions.csv)"),
    ("athlete", "athlete's name"),
    ("rep", "1 for the set's first counted rep, 2 for the next, ..."),
    ("start_s", "when the rep began, seconds from the start of the set"),
    ("end_s", "when it ended (back standing), seconds from the start of the set"),
    ("depth_deg", "deepest tilt of the dowel in this rep, degrees from standing"),
    ("duration_s", "seconds from start to end"),
    ("descent_s", "seconds going down"),
    ("bottom_s", "seconds at the bottom"),
    ("ascent_s", "seconds coming up"),
    ("clean", "1 if no contact came off during the rep, else 0"),
    ("head_lost", "1 if the head came off during the rep"),
    ("upper_back_lost", "1 if the upper back came off"),
    ("sacrum_lost", "1 if the sacrum came off"),
    ("faults", "contacts that came off, separated by ';'"),
)
LOSSES_COLUMNS: tuple[tuple[str, str], ...] = (
    ("set_id", "the set (sets.csv)"),
    ("session_id", "the session (sessions.csv)"),
    ("athlete", "athlete's name"),
    ("rep", "the rep it happened in (empty: between reps)"),
    ("contact", "head, upper_back or sacrum"),
    ("cause", "what it means: cervical_flexion (head: neck bending), squatting (upper back: "
              "too much knee bend), spinal_flexion (sacrum: rounding the spine)"),
    ("phase", "part of the rep: standing, descent, bottom or ascent (empty without a tilt sensor)"),
    ("start_s", "when the contact came off, seconds from the start of the set"),
    ("duration_s", "how long it stayed off, seconds"),
    ("restored", "1 if it came back during the set, 0 if it was still off when the set ended"),
)
CSV_FILES: tuple[tuple[str, tuple[tuple[str, str], ...], str], ...] = (
    ("sessions.csv", SESSIONS_COLUMNS, "one row per session (an athlete's sets at the box)"),
    ("sets.csv", SETS_COLUMNS, "one row per set"),
    ("reps.csv", REPS_COLUMNS, "one row per counted rep"),
    ("contact_losses.csv", LOSSES_COLUMNS, "one row per contact loss"),
    (PLAN_FILE, PLAN_COLUMNS, "one row per change of an athlete's learning-plan stage (all so far, for the "
                              "athletes in this export)"),
)


def readme_text(result: ExportResult, when: float, all_sets: bool, charts: bool) -> str:
    """README.txt: what each file is, every column, and how to check and read the files."""
    lines = [*_intro(result, when, all_sets), "", "Files", "-----", *_FILES_BEFORE_CHARTS,
             *(_CHARTS if charts else _NO_CHARTS), *_FILES_AFTER_CHARTS, "", *_CONTACTS]
    for name, columns, what in CSV_FILES:
        lines += ["", f"{name}: {what}", "-" * (len(name) + len(what) + 2)]
        width = max(len(c) for c, _ in columns)
        lines += [f"{c.ljust(width)}  {d}" for c, d in columns]
    if result.warnings:
        lines += ["", "Notes", "-----", *result.warnings]
    return "\n".join(lines) + "\n"


def _intro(result: ExportResult, when: float, all_sets: bool) -> list[str]:
    return [
        "smartdowel export",
        "=================",
        "",
        f"Made {iso(when)} by a smartdowel hip-hinge trainer: {plural(result.sets, 'set')}, "
        f"{plural(result.reps, 'rep')}, {plural(result.sessions, 'session')}",
        f"({'every set on the box' if all_sets else 'the sets not exported before'}).",
        "Times are the box's clock (local time with its UTC offset, ISO 8601). Numbers use '.' as the",
        "decimal point. An empty cell means 'not measured' (e.g. tilt without a tilt sensor).",
    ]


_FILES_BEFORE_CHARTS = (
    "report.html",
    "    the coach's report: open it in any browser (nothing is fetched). Per athlete: the learning",
    "    plan's stage and history, progress over weeks, the latest sessions, which contacts come off",
    "    and when, and charts of the newest sets. Made from this export and the earlier ones on this",
    "    stick (`smartdowel report` makes it from any exports, of any boxes).",
    "<athlete>-sets.csv, <athlete>-sets-engineering.csv",
    "    every set of that athlete so far (this export and the earlier ones on this stick): the",
    "    coach's columns, and every exported column (joined on set_ref).",
    "sessions.csv, sets.csv, reps.csv, contact_losses.csv, plan.csv",
    "    tables for a spreadsheet: UTF-8 with a byte-order mark, comma-separated, one header row.",
    "    They join on set_id and session_id; box_id tells this box's sets from another box's.",
    "sessions/session-<session_id>.json",
    "    one session: the athlete and its sets of this export, each with the fields of sets.csv",
    "    plus rep_list and contact_loss_list (the rows of reps.csv and contact_losses.csv).",
)
_CHARTS = (
    "charts/set-<set_id>.png",
    "    the set in one picture: the three pressures as a fraction of standing pressure (1x = as",
    "    when standing), the dowel's tilt below, shaded bands where a contact was off, bars over the",
    "    counted reps. Time axis: seconds from the start of the set (negative: before it).",
)
_NO_CHARTS = (
    "charts/",
    "    none in this export: it was made without a chart renderer, so no set was drawn and",
    "    chart_file in sets.csv is empty (`smartdowel export` draws them).",
)
_FILES_AFTER_CHARTS = (
    "traces/set-<set_id>.csv.gz",
    "    the raw recording (gzip; open with any unzip tool, or `gunzip -c`): smartdowel trace v1,",
    "    t in seconds, the three contacts as raw ADC counts, pitch in degrees. Its t starts at 0 a",
    "    few seconds before the set began (placement); `smartdowel replay` reads the unzipped file.",
    f"{MANIFEST}",
    "    SHA-256 of every other file, written last. Check with `sha256sum -c MANIFEST.sha256`",
    "    (macOS: `shasum -a 256 -c MANIFEST.sha256`). A folder without it, or still named",
    f"    '*{PARTIAL}', is an export that did not finish: do not use it.",
)
_CONTACTS = (
    "Contacts: head (lost: neck bending forward), upper_back (lost: squatting, too much knee bend),",
    "sacrum (lost: rounding the spine).",
)


def columns_markdown() -> str:
    """docs/export-columns.md, from the same column lists as the CSV headers."""
    parts = ["# Export columns", "", "Generated from `device/export/columns.py` (`python -m device.export.columns`).",
             "The README.txt in every export holds the same text."]
    for name, columns, what in CSV_FILES:
        parts += ["", f"## {name}", "", what[0].upper() + what[1:] + ".", "", "| column | meaning |",
                  "|---|---|"]
        parts += [f"| `{c}` | {d} |" for c, d in columns]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    sys.stdout.write(columns_markdown())
