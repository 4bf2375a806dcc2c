"""The funding-line simulator: which ranked applications a budget, a cap per winner and quotas would fund."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

# what happens when the next application does not fit the rest of the budget
WHEN_SHORT = ("stop", "skip", "partial")


@dataclass(frozen=True)
class Rules:
    """The simulator's settings; the defaults are the programme's rules (about 1 Mio. €, up to 100.000 € each)."""

    budget_eur: float = 1_000_000
    cap_eur: float = 100_000
    max_per_kreis: int | None = None          # at most this many funded applications per Kreis
    min_kinds: tuple[str, ...] = ()           # at least one funded application of each of these kinds
    min_kreise: tuple[str, ...] = ()          # at least one funded application in each of these Kreise
    when_short: str = "stop"                  # stop at the line / skip to smaller ones / fund the rest partially


@dataclass(frozen=True)
class Result:
    """Every application with its simulated amount and outcome, the money spent, and quotas left unmet."""

    frame: pd.DataFrame
    spent_eur: float
    remaining_eur: float
    unmet_kinds: tuple[str, ...] = field(default_factory=tuple)
    unmet_kreise: tuple[str, ...] = field(default_factory=tuple)


def simulate(ranking: pd.DataFrame, rules: Rules = Rules()) -> Result:
    """Fund min(requested, cap) in rank order until the budget is used, quota applications first.

    ranking needs application_id, rank, requested_eur, applicant_kind, kreis_id. Quotas are met first: the
    best-ranked application of each required kind or Kreis is funded before the rest (if the budget and
    the Kreis limit allow), then everyone else in rank order. Outcomes: "rank" (funded by rank), "quota"
    (funded to meet a quota), "kreis_limit" (its Kreis is full), "budget" (the money ran out).
    """
    if rules.when_short not in WHEN_SHORT:
        raise ValueError(f"when_short must be one of {WHEN_SHORT}, not {rules.when_short!r}")
    order = ranking.sort_values(["rank", "application_id"]).reset_index(drop=True)
    amount = {app: 0.0 for app in order["application_id"]}
    outcome: dict[str, str] = {}
    funded_order: dict[str, int] = {}
    per_kreis: Counter = Counter()
    remaining = float(rules.budget_eur)

    def fund(row, via: str) -> bool:
        nonlocal remaining
        if rules.max_per_kreis is not None and per_kreis[row.kreis_id] >= rules.max_per_kreis:
            outcome[row.application_id] = "kreis_limit"
            return False
        wanted = min(float(row.requested_eur), float(rules.cap_eur))
        # a cent of tolerance: sums of decimal amounts in floats
        if wanted > remaining + 0.005:
            if rules.when_short != "partial" or remaining < 0.005:
                outcome[row.application_id] = "budget"
                return False
            wanted = remaining
        amount[row.application_id] = wanted
        outcome[row.application_id] = via
        funded_order[row.application_id] = len(funded_order) + 1
        per_kreis[row.kreis_id] += 1
        remaining -= wanted
        return True

    need_kinds, need_kreise = set(rules.min_kinds), set(rules.min_kreise)
    for row in order.itertuples():
        if not (need_kinds or need_kreise):
            break
        if row.applicant_kind in need_kinds or row.kreis_id in need_kreise:
            if fund(row, "quota"):
                need_kinds.discard(row.applicant_kind)
                need_kreise.discard(row.kreis_id)

    stopped = False
    for row in order.itertuples():
        if row.application_id in funded_order:
            continue
        if stopped:
            outcome[row.application_id] = "budget"
            continue
        if not fund(row, "rank") and outcome[row.application_id] == "budget" and rules.when_short == "stop":
            # the funding line: nobody below the first application that no longer fits
            stopped = True

    frame = order.assign(
        amount_eur=order["application_id"].map(amount),
        is_funded=order["application_id"].isin(funded_order),
        funded_order=order["application_id"].map(funded_order).astype("Int64"),
        outcome=order["application_id"].map(outcome),
    )
    spent = float(rules.budget_eur) - remaining
    return Result(frame, spent, remaining, tuple(sorted(need_kinds)), tuple(sorted(need_kreise)))
