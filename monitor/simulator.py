"""The funding-line simulator: which ranked applications a budget, a cap per winner and quotas would fund."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# what happens when the next application does not fit the rest of the budget
WHEN_SHORT = ("stop", "skip", "partial")
OUTCOMES = ("rank", "quota", "kreis_limit", "budget")
RANK, QUOTA, KREIS_LIMIT, BUDGET = range(4)
CENT = 0.005   # a cent of tolerance: sums of decimal amounts in floats
WINDOW = 4096  # rows looked at per step of the rank pass (a step ends early where the money runs short)


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


class _Pass:
    """The state of one simulation: amounts, outcomes, money left and funded applications per Kreis."""

    def __init__(self, wanted: np.ndarray, kreis: np.ndarray, kreis_count: int, rules: Rules):
        self.wanted, self.kreis, self.rules = wanted, kreis, rules
        self.limit = rules.max_per_kreis
        self.amount = np.zeros(len(wanted))
        self.outcome = np.full(len(wanted), BUDGET, dtype=np.int8)
        self.funded_order = np.zeros(len(wanted), dtype=np.int64)  # 0 = not funded
        self.per_kreis = np.zeros(kreis_count, dtype=np.int64)
        self.remaining = float(rules.budget_eur)
        self.funded = 0

    def fund_one(self, i: int, via: int) -> bool:
        """Fund row i if its Kreis has room and the money suffices (partly, when the rules say so)."""
        if self.limit is not None and self.per_kreis[self.kreis[i]] >= self.limit:
            self.outcome[i] = KREIS_LIMIT
            return False
        wanted = float(self.wanted[i])
        if wanted > self.remaining + CENT:
            if self.rules.when_short != "partial" or self.remaining < CENT:
                self.outcome[i] = BUDGET
                return False
            wanted = self.remaining
        self._fund(np.array([i]), np.array([wanted]), via)
        return True

    def _fund(self, rows: np.ndarray, amounts: np.ndarray, via: int) -> None:
        self.amount[rows] = amounts
        self.outcome[rows] = via
        self.funded_order[rows] = self.funded + 1 + np.arange(len(rows))
        self.funded += len(rows)
        np.add.at(self.per_kreis, self.kreis[rows], 1)
        self.remaining -= float(amounts.sum())

    def rank_pass(self, rows: np.ndarray) -> None:
        """Fund rows (in rank order) until the money runs out, a window of rows at a time.

        Within a window every row the Kreis limit lets through is funded until the first one that no
        longer fits; that row ends the step (stop, skip or partial), and the next step starts after it.
        """
        when_short = self.rules.when_short
        # the smallest request still to come: once the money left is below it, nothing more can be funded
        smallest_after = np.minimum.accumulate(self.wanted[rows][::-1])[::-1] if len(rows) else rows
        start = 0
        while start < len(rows):
            if when_short != "stop" and smallest_after[start] > self.remaining + CENT \
                    and (when_short == "skip" or self.remaining < CENT):
                self._close(rows[start:])
                return
            window = rows[start:start + WINDOW]
            allowed = self._kreis_allows(window)
            cost = np.cumsum(np.where(allowed, self.wanted[window], 0.0))
            short = np.flatnonzero(allowed & (cost > self.remaining + CENT))
            end = int(short[0]) if len(short) else len(window)
            head = window[:end]
            self.outcome[head[~allowed[:end]]] = KREIS_LIMIT
            funded = head[allowed[:end]]
            self._fund(funded, self.wanted[funded], RANK)
            if end == len(window):
                start += len(window)
                continue
            row = int(window[end])
            self.outcome[row] = BUDGET
            if when_short == "partial" and self.remaining >= CENT:
                self._fund(np.array([row]), np.array([self.remaining]), RANK)
            elif when_short == "stop":
                # the funding line: nobody below the first application that no longer fits
                self.outcome[rows[start + end:]] = BUDGET
                return
            start += end + 1

    def _kreis_allows(self, window: np.ndarray) -> np.ndarray:
        """Which rows of the window the Kreis limit lets through, if every earlier one of them is funded."""
        if self.limit is None:
            return np.ones(len(window), dtype=bool)
        kreis = self.kreis[window]
        earlier = pd.Series(kreis).groupby(kreis).cumcount().to_numpy()
        return self.per_kreis[kreis] + earlier < self.limit

    def _close(self, rows: np.ndarray) -> None:
        """Nothing more fits: the rest are over the Kreis limit or short of money."""
        if self.limit is None:
            self.outcome[rows] = BUDGET
        else:
            self.outcome[rows] = np.where(self.per_kreis[self.kreis[rows]] >= self.limit, KREIS_LIMIT, BUDGET)


def simulate(ranking: pd.DataFrame, rules: Rules = Rules()) -> Result:
    """Fund min(requested, cap) in rank order until the budget is used, quota applications first.

    ranking needs application_id, rank, requested_eur, applicant_kind, kreis_id. Quotas are met first: the
    best-ranked application of each required kind or Kreis is funded before the rest (if the budget and
    the Kreis limit allow), then everyone else in rank order. Outcomes: "rank" (funded by rank), "quota"
    (funded to meet a quota), "kreis_limit" (its Kreis is full), "budget" (the money ran out).
    Vectorised: the cost grows with the number of applications, not with a Python step per application.
    """
    if rules.when_short not in WHEN_SHORT:
        raise ValueError(f"when_short must be one of {WHEN_SHORT}, not {rules.when_short!r}")
    order = ranking
    if not order["rank"].is_monotonic_increasing:
        order = order.sort_values(["rank", "application_id"])
    order = order.reset_index(drop=True)
    wanted = np.minimum(order["requested_eur"].to_numpy(dtype=float), float(rules.cap_eur))
    kreis_codes, kreis_ids = pd.factorize(order["kreis_id"])
    state = _Pass(wanted, kreis_codes, len(kreis_ids), rules)

    need_kinds, need_kreise = set(rules.min_kinds), set(rules.min_kreise)
    if need_kinds or need_kreise:
        kinds = order["applicant_kind"].to_numpy()
        kreise = order["kreis_id"].to_numpy()
        candidates = np.flatnonzero(order["applicant_kind"].isin(need_kinds).to_numpy()
                                    | order["kreis_id"].isin(need_kreise).to_numpy())
        smallest_after = np.minimum.accumulate(wanted[candidates][::-1])[::-1]
        for position, i in enumerate(candidates):
            if not (need_kinds or need_kreise):
                break
            if smallest_after[position] > state.remaining + CENT \
                    and (rules.when_short != "partial" or state.remaining < CENT):
                break  # no quota application fits any more
            if kinds[i] in need_kinds or kreise[i] in need_kreise:
                if state.fund_one(int(i), QUOTA):
                    need_kinds.discard(kinds[i])
                    need_kreise.discard(kreise[i])

    state.rank_pass(np.flatnonzero(state.funded_order == 0))

    frame = order.assign(
        amount_eur=state.amount,
        is_funded=state.funded_order > 0,
        funded_order=pd.arrays.IntegerArray(state.funded_order, mask=state.funded_order == 0),
        outcome=pd.Categorical.from_codes(state.outcome, categories=list(OUTCOMES)),
    )
    spent = float(rules.budget_eur) - state.remaining
    return Result(frame, spent, state.remaining, tuple(sorted(need_kinds)), tuple(sorted(need_kreise)))
